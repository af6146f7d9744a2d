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

{{/* One secret environment variable: from secretRefs.<value> when it names a Secret, else from
the chart's (or the existing) Secret under `key`. Called with (list $ "databaseUrl" "DATABASE_URL"
optional). */}}
{{- define "rosterd.secretEnv" -}}
{{- $root := index . 0 -}}
{{- $value := index . 1 -}}
{{- $key := index . 2 -}}
{{- $optional := index . 3 -}}
{{- $ref := index $root.Values.secretRefs $value | default dict -}}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      {{- if $ref.name }}
      name: {{ $ref.name }}
      key: {{ $ref.key | default $key }}
      {{- else }}
      name: {{ include "rosterd.secretName" $root }}
      key: {{ $key }}
      {{- end }}
      {{- if $optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* Whether the chart makes its own Secret: no existingSecret, and some value to put in it. */}}
{{- define "rosterd.ownSecret" -}}
{{- if and (not .Values.existingSecret) (or .Values.secrets.databaseUrl .Values.secrets.redisUrl .Values.secrets.smtpUrl .Values.secrets.otlpHeaders) -}}
true
{{- end -}}
{{- end -}}

{{/* The environment every rosterd container gets: secrets by reference, then plain values. */}}
{{- define "rosterd.env" -}}
{{- if not (or .Values.existingSecret .Values.secrets.databaseUrl (.Values.secretRefs.databaseUrl | default dict).name) }}
{{- fail "set secrets.databaseUrl (a PostgreSQL URL), secretRefs.databaseUrl or existingSecret" }}
{{- end }}
{{ include "rosterd.secretEnv" (list . "databaseUrl" "DATABASE_URL" false) }}
{{ include "rosterd.secretEnv" (list . "redisUrl" "REDIS_URL" true) }}
{{ include "rosterd.secretEnv" (list . "smtpUrl" "ROSTERD_SMTP_URL" true) }}
{{ include "rosterd.secretEnv" (list . "otlpHeaders" "OTEL_EXPORTER_OTLP_HEADERS" true) }}
- name: ROSTERD_PUBLIC_URL
  value: {{ .Values.publicUrl | quote }}
{{- with .Values.smtpFrom }}
- name: ROSTERD_SMTP_FROM
  value: {{ . | quote }}
{{- end }}
{{- with .Values.otlp.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- if .Values.metrics.enabled }}
- name: ROSTERD_METRICS_LISTEN
  value: {{ printf "0.0.0.0:%v" .Values.metrics.port | quote }}
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
