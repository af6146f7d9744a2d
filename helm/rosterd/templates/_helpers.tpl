{{- define "rosterd.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "rosterd.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "rosterd.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "rosterd.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "rosterd.secretName" -}}
{{- .Values.existingSecret | default (include "rosterd.fullname" .) -}}
{{- end -}}

{{/* The environment every rosterd container gets: secrets by reference, then plain values. */}}
{{- define "rosterd.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "rosterd.secretName" . }}
      key: DATABASE_URL
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "rosterd.secretName" . }}
      key: REDIS_URL
      optional: true
- name: ROSTERD_SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "rosterd.secretName" . }}
      key: ROSTERD_SMTP_URL
      optional: true
- name: ROSTERD_PUBLIC_URL
  value: {{ .Values.publicUrl | quote }}
{{- with .Values.smtpFrom }}
- name: ROSTERD_SMTP_FROM
  value: {{ . | quote }}
{{- end }}
{{- with .Values.trustedProxies }}
- name: ROSTERD_TRUSTED_PROXIES
  value: {{ join "," . | quote }}
{{- end }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}
