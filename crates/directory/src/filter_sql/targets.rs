//! What a filter's attribute path stands for in SQL: a column, a JSON value of the document, a
//! constant, or the elements of a multi-valued attribute (JSON array elements or index rows).

use rosterd_scim::ScimError;
use rosterd_scim::filter::AttrPath;
use rosterd_scim::resource::ResourceKind;
use rosterd_scim::schema::{
    AttrType, AttributeDef, LICENSE_EXTENSION_SCHEMA, ResolvedAttr, Returned, resolve,
};
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{Alias, Expr, Func, Query, SimpleExpr};

use super::operand::{Case, Operand, always};
use super::{Translator, unfilterable, unknown, written};
use crate::entity::{group_member, scim_user, scim_user_email, user_group};

/// The alias of a JSON array element in `EXISTS (SELECT 1 FROM json_each(...) AS je ...)`.
const ELEMENT: &str = "je";

/// What an attribute path stands for.
pub(super) enum Target {
    /// One value per resource.
    Single(Operand),
    /// The same value for every resource (`meta.resourceType`).
    Constant(&'static str),
    /// Several values per resource; a comparison holds when some element satisfies it.
    Many(Elements),
}

/// Where a multi-valued attribute's elements live.
#[derive(Debug, Clone)]
enum Source {
    /// A JSON array in the document, at these keys.
    Json(Vec<&'static str>),
    /// `scim_user_emails` rows (lowercased values).
    Emails,
    /// A User's groups: `group_members` rows joined to the app's SCIM groups.
    UserGroups,
    /// A Group's members: `group_members` rows.
    GroupMembers,
}

/// The elements of a multi-valued attribute.
pub(super) struct Elements {
    /// The attribute as written, for error details.
    pub name: String,
    source: Source,
    def: &'static AttributeDef,
    /// What a comparison without a sub-attribute compares: the named sub-attribute, `value`,
    /// or (`None`) the element itself.
    leaf: Option<&'static AttributeDef>,
}

/// `?` placeholders in `template` become the backend's (`$1`, `$2`, ... on PostgreSQL).
fn cust(backend: DatabaseBackend, template: &str, exprs: Vec<SimpleExpr>) -> SimpleExpr {
    if backend != DatabaseBackend::Postgres {
        return Expr::cust_with_exprs(template, exprs);
    }
    let mut out = String::with_capacity(template.len() + 8);
    let mut n = 0;
    for c in template.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    Expr::cust_with_exprs(out, exprs)
}

/// A JSON value at `keys` below `base` (a JSON text on SQLite, a `jsonb` on PostgreSQL).
fn json_at(backend: DatabaseBackend, base: SimpleExpr, keys: &[&str]) -> SimpleExpr {
    match backend {
        DatabaseBackend::Postgres => {
            let mut call = Func::cust(Alias::new("jsonb_extract_path_text")).arg(base);
            for key in keys {
                call = call.arg(*key);
            }
            call.into()
        }
        _ => {
            let path: String = keys.iter().map(|key| format!(".\"{key}\"")).collect();
            Func::cust(Alias::new("json_extract"))
                .arg(base)
                .arg(format!("${path}"))
                .into()
        }
    }
}

impl Translator<'_> {
    fn table(&self) -> &'static str {
        match self.kind {
            ResourceKind::User => "scim_users",
            ResourceKind::Group => "user_groups",
        }
    }

    /// A column of the resource table.
    fn col(&self, name: &'static str) -> SimpleExpr {
        Expr::col((Alias::new(self.table()), Alias::new(name))).into()
    }

    /// The stored document, as the backend's JSON functions take it.
    fn document(&self) -> SimpleExpr {
        let doc = Expr::col((Alias::new(self.table()), Alias::new("document")));
        match self.backend {
            DatabaseBackend::Postgres => doc.cast_as(Alias::new("jsonb")),
            _ => doc.into(),
        }
    }

    fn resolved(&self, path: &AttrPath) -> Result<ResolvedAttr, ScimError> {
        let attr = resolve(self.kind, path).ok_or_else(|| unknown(path))?;
        if attr.schema == LICENSE_EXTENSION_SCHEMA {
            return Err(unfilterable(
                path,
                "licenses are computed from the license ledger",
            ));
        }
        if attr.leaf().returned == Returned::Never {
            return Err(unfilterable(path, "it is never returned"));
        }
        Ok(attr)
    }

    /// What `path` stands for at the top level of a filter.
    pub(super) fn target(&self, path: &AttrPath) -> Result<Target, ScimError> {
        use ResourceKind::{Group, User};
        let attr = self.resolved(path)?;
        let column = |name, ty, case, nullable| {
            Ok(Target::Single(Operand::column(
                self.col(name),
                ty,
                case,
                nullable,
            )))
        };
        let rows = |source| Ok(Target::Many(self.rows(path, source, attr.def)));
        match (self.kind, attr.def.name, attr.sub.map(|s| s.name)) {
            (_, "id", None) => column("id", AttrType::String, Case::Exact, false),
            (_, "externalId", None) => column("external_id", AttrType::String, Case::Exact, true),
            (_, "meta", Some("created")) => {
                column("created_at", AttrType::DateTime, Case::Exact, false)
            }
            (_, "meta", Some("lastModified")) => {
                column("updated_at", AttrType::DateTime, Case::Exact, false)
            }
            (_, "meta", Some("resourceType")) => Ok(Target::Constant(self.kind.as_str())),
            (_, "meta", _) => Err(unfilterable(
                path,
                "only meta.created, meta.lastModified and meta.resourceType can be filtered on",
            )),
            (User, "userName", None) => {
                column("user_name_lower", AttrType::String, Case::Lowered, false)
            }
            (User, "active", None) => column("active", AttrType::Boolean, Case::Exact, false),
            (User, "emails", None | Some("value")) => rows(Source::Emails),
            (User, "groups", None | Some("value")) => rows(Source::UserGroups),
            (Group, "displayName", None) => {
                column("display_name_lower", AttrType::String, Case::Lowered, false)
            }
            (Group, "members", None | Some("value")) => rows(Source::GroupMembers),
            (User, "groups", _) | (Group, "members", _) => {
                Err(unfilterable(path, "only its `value` can be filtered on"))
            }
            _ => Ok(self.json_target(path, &attr)),
        }
    }

    fn rows(&self, path: &AttrPath, source: Source, def: &'static AttributeDef) -> Elements {
        Elements {
            name: written(path),
            source,
            def,
            leaf: def.sub_attribute("value"),
        }
    }

    /// An attribute read from the document.
    fn json_target(&self, path: &AttrPath, attr: &ResolvedAttr) -> Target {
        let mut keys: Vec<&'static str> = Vec::new();
        if attr.is_extension() {
            keys.push(attr.schema);
        }
        keys.push(attr.def.name);
        if attr.def.multi_valued {
            let leaf = match attr.def.kind {
                AttrType::Complex => attr.sub.or_else(|| attr.def.sub_attribute("value")),
                _ => None,
            };
            return Target::Many(Elements {
                name: written(path),
                source: Source::Json(keys),
                def: attr.def,
                leaf,
            });
        }
        let leaf = match attr.def.kind {
            AttrType::Complex => attr.sub.or_else(|| attr.def.sub_attribute("value")),
            _ => None,
        };
        let operand = match leaf {
            Some(sub) => {
                keys.push(sub.name);
                Operand::json(
                    json_at(self.backend, self.document(), &keys),
                    sub.kind,
                    sub.case_exact,
                )
            }
            None => Operand::json(
                json_at(self.backend, self.document(), &keys),
                attr.def.kind,
                attr.def.case_exact,
            ),
        };
        Target::Single(operand)
    }

    /// The elements an `attr[valFilter]` ranges over.
    pub(super) fn value_path(&self, path: &AttrPath) -> Result<Elements, ScimError> {
        let attr = self.resolved(path)?;
        if !attr.def.multi_valued || attr.def.kind != AttrType::Complex || attr.sub.is_some() {
            return Err(ScimError::invalid_filter(format!(
                "`{}[...]` needs a multi-valued complex attribute such as emails or members",
                written(path)
            )));
        }
        Ok(match (self.kind, attr.def.name) {
            (ResourceKind::User, "groups") => self.rows(path, Source::UserGroups, attr.def),
            (ResourceKind::Group, "members") => self.rows(path, Source::GroupMembers, attr.def),
            _ => match self.json_target(path, &attr) {
                Target::Many(elements) => elements,
                _ => return Err(unknown(path)),
            },
        })
    }

    /// A sort key for `sortBy`: the attribute's single value (a multi-valued attribute sorts
    /// by its first element's value), lowercased unless `caseExact`.
    pub(crate) fn sort_key(&self, path: &AttrPath) -> Result<(SimpleExpr, KeyKind), ScimError> {
        let attr = self.resolved(path)?;
        match self.target(path)? {
            Target::Single(operand) => {
                let kind = match (operand.ty, operand.nullable) {
                    (AttrType::DateTime, false) => KeyKind::Time,
                    (_, false) => KeyKind::Text,
                    (_, true) => KeyKind::NullableText,
                };
                let expr = match operand.case {
                    Case::Fold => Func::lower(operand.expr).into(),
                    _ => operand.expr,
                };
                Ok((expr, kind))
            }
            Target::Many(elements)
                if matches!(elements.source, Source::Json(_) | Source::Emails) =>
            {
                let mut keys: Vec<&'static str> = Vec::new();
                if attr.is_extension() {
                    keys.push(attr.schema);
                }
                keys.push(attr.def.name);
                keys.push("0");
                if let Some(leaf) = elements.leaf {
                    keys.push(leaf.name);
                }
                let sqlite_index = self.backend != DatabaseBackend::Postgres;
                let expr = if sqlite_index {
                    // SQLite's JSON path spells an array index `[0]`, not `."0"`.
                    let path: String = keys
                        .iter()
                        .map(|key| {
                            if *key == "0" {
                                "[0]".to_owned()
                            } else {
                                format!(".\"{key}\"")
                            }
                        })
                        .collect();
                    Func::cust(Alias::new("json_extract"))
                        .arg(self.document())
                        .arg(format!("${path}"))
                        .into()
                } else {
                    json_at(self.backend, self.document(), &keys)
                };
                let case_exact = elements
                    .leaf
                    .map_or(elements.def.case_exact, |l| l.case_exact);
                let expr = if case_exact {
                    expr
                } else {
                    Func::lower(expr).into()
                };
                Ok((expr, KeyKind::NullableText))
            }
            _ => Err(ScimError::invalid_value(format!(
                "cannot sort by `{}`",
                written(path)
            ))),
        }
    }
}

/// What kind of value a sort key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// A timestamp column.
    Time,
    /// Text that is never null.
    Text,
    /// Text that may be null (sorted as `''`).
    NullableText,
}

impl Elements {
    /// "Some element satisfies `condition`", the condition built on the element.
    pub(super) fn any(
        &self,
        t: &Translator<'_>,
        condition: impl FnOnce(&Elements) -> Result<SimpleExpr, ScimError>,
    ) -> Result<SimpleExpr, ScimError> {
        let condition = condition(self)?;
        let scope = t.scope;
        Ok(match &self.source {
            Source::Json(keys) => {
                let mut select = Query::select();
                select.expr(Expr::val(1));
                match t.backend {
                    DatabaseBackend::Postgres => {
                        let mut at = Func::cust(Alias::new("jsonb_extract_path")).arg(t.document());
                        for key in keys {
                            at = at.arg(*key);
                        }
                        let at: SimpleExpr = at.into();
                        let array = cust(
                            t.backend,
                            "CASE WHEN jsonb_typeof(?) = 'array' THEN ? ELSE '[]'::jsonb END",
                            vec![at.clone(), at],
                        );
                        select.from_function(
                            Func::cust(Alias::new("jsonb_array_elements")).arg(array),
                            Alias::new(ELEMENT),
                        );
                    }
                    _ => {
                        let path: String = keys.iter().map(|key| format!(".\"{key}\"")).collect();
                        select.from_function(
                            Func::cust(Alias::new("json_each"))
                                .arg(t.document())
                                .arg(format!("${path}")),
                            Alias::new(ELEMENT),
                        );
                    }
                }
                select.and_where(condition);
                Expr::exists(select)
            }
            Source::Emails => {
                let mut select = Query::select();
                select
                    .column((scim_user_email::Entity, scim_user_email::Column::UserId))
                    .from(scim_user_email::Entity)
                    .and_where(scope.user_emails())
                    .and_where(condition);
                Expr::col((scim_user::Entity, scim_user::Column::Id)).in_subquery(select)
            }
            Source::UserGroups => {
                let mut select = Query::select();
                select
                    .column((group_member::Entity, group_member::Column::MemberId))
                    .from(group_member::Entity)
                    .inner_join(
                        user_group::Entity,
                        Expr::col((user_group::Entity, user_group::Column::TenantId))
                            .equals((group_member::Entity, group_member::Column::TenantId))
                            .and(
                                Expr::col((user_group::Entity, user_group::Column::Id))
                                    .equals((group_member::Entity, group_member::Column::GroupId)),
                            ),
                    )
                    .and_where(
                        Expr::col((group_member::Entity, group_member::Column::TenantId))
                            .eq(&scope.tenant),
                    )
                    .and_where(scope.group_condition())
                    .and_where(condition);
                Expr::col((scim_user::Entity, scim_user::Column::Id)).in_subquery(select)
            }
            Source::GroupMembers => {
                let mut select = Query::select();
                select
                    .column((group_member::Entity, group_member::Column::GroupId))
                    .from(group_member::Entity)
                    .and_where(
                        Expr::col((group_member::Entity, group_member::Column::TenantId))
                            .eq(&scope.tenant),
                    )
                    .and_where(condition);
                Expr::col((user_group::Entity, user_group::Column::Id)).in_subquery(select)
            }
        })
    }

    /// "The attribute has some element".
    pub(super) fn any_present(&self, t: &Translator<'_>) -> SimpleExpr {
        self.any(t, |_| Ok(always()))
            .unwrap_or_else(|_| super::never())
    }

    /// What a comparison without a sub-attribute compares on one element.
    pub(super) fn default_field(&self, t: &Translator<'_>) -> Result<Operand, ScimError> {
        Ok(match (&self.source, self.leaf) {
            (Source::Json(_), Some(leaf)) => self.element_field(t, leaf),
            (Source::Json(_), None) => {
                let value = Expr::col((Alias::new(ELEMENT), Alias::new("value")));
                let expr = match t.backend {
                    DatabaseBackend::Postgres => cust(t.backend, "? #>> '{}'", vec![value.into()]),
                    _ => value.into(),
                };
                Operand::json(expr, self.def.kind, self.def.case_exact)
            }
            (Source::Emails, _) => Operand::column(
                Expr::col((scim_user_email::Entity, scim_user_email::Column::ValueLower)).into(),
                AttrType::String,
                Case::Lowered,
                false,
            ),
            (Source::UserGroups, _) => Operand::column(
                Expr::col((group_member::Entity, group_member::Column::GroupId)).into(),
                AttrType::String,
                Case::Exact,
                false,
            ),
            (Source::GroupMembers, _) => Operand::column(
                Expr::col((group_member::Entity, group_member::Column::MemberId)).into(),
                AttrType::String,
                Case::Exact,
                false,
            ),
        })
    }

    fn element_field(&self, t: &Translator<'_>, sub: &'static AttributeDef) -> Operand {
        let element = Expr::col((Alias::new(ELEMENT), Alias::new("value"))).into();
        Operand::json(
            json_at(t.backend, element, &[sub.name]),
            sub.kind,
            sub.case_exact,
        )
    }

    /// A path inside `attr[...]`, relative to one element.
    pub(super) fn field(&self, t: &Translator<'_>, path: &AttrPath) -> Result<Target, ScimError> {
        let full = AttrPath {
            schema: None,
            attr: self.name.clone(),
            sub_attr: Some(path.attr.clone()),
        };
        if path.schema.is_some() || path.sub_attr.is_some() {
            return Err(unknown(&full));
        }
        let sub = self
            .def
            .sub_attribute(&path.attr)
            .ok_or_else(|| unknown(&full))?;
        Ok(match (&self.source, sub.name) {
            (Source::Json(_), _) => Target::Single(self.element_field(t, sub)),
            (_, "value") => Target::Single(self.default_field(t)?),
            (Source::UserGroups, "type") => Target::Constant("direct"),
            (Source::GroupMembers, "type") => Target::Constant("User"),
            _ => {
                return Err(unfilterable(
                    &full,
                    "only `value` and `type` can be filtered on",
                ));
            }
        })
    }
}
