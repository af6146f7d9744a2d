//! What a filter's attribute path stands for in SQL: a column, a JSON value of the document, a
//! constant, or the elements of a multi-valued attribute (JSON array elements or index rows).

use rosterd_scim::ScimError;
use rosterd_scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use rosterd_scim::resource::ResourceKind;
use rosterd_scim::schema::{
    AttrType, AttributeDef, LICENSE_EXTENSION_SCHEMA, ResolvedAttr, Returned, resolve,
};
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{Alias, Expr, Func, SimpleExpr};

use super::operand::{Case, Operand};
use super::{Translator, unfilterable, unknown, written};

/// The alias of a JSON array element in `EXISTS (SELECT 1 FROM json_each(...) AS je ...)`.
pub(super) const ELEMENT: &str = "je";

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
pub(super) enum Source {
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
    pub(super) source: Source,
    pub(super) def: &'static AttributeDef,
    /// What a comparison without a sub-attribute compares: the named sub-attribute, `value`,
    /// or (`None`) the element itself.
    pub(super) leaf: Option<&'static AttributeDef>,
}

/// `?` placeholders in `template` become the backend's (`$1`, `$2`, ... on PostgreSQL).
pub(super) fn cust(backend: DatabaseBackend, template: &str, exprs: Vec<SimpleExpr>) -> SimpleExpr {
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
pub(super) fn json_at(backend: DatabaseBackend, base: SimpleExpr, keys: &[&str]) -> SimpleExpr {
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
    pub(super) fn document(&self) -> SimpleExpr {
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

    /// For `emails[...]` on Users whose value filter requires `value eq "x"` (as Entra's
    /// `emails[type eq "work"].value eq "x"` does): the indexed `scim_user_emails` lookup that
    /// `emails.value eq "x"` uses, to be joined with `and` to the exact per-element condition.
    /// It is a necessary condition (every e-mail of the document has its row), so the result
    /// is unchanged; it only lets the database start from the index instead of the tenant's
    /// every user.
    pub(super) fn indexed_emails(
        &self,
        path: &AttrPath,
        elements: &Elements,
        filter: &Filter,
    ) -> Result<Option<SimpleExpr>, ScimError> {
        let core_emails =
            matches!(&elements.source, Source::Json(keys) if keys.as_slice() == ["emails"]);
        if self.kind != ResourceKind::User || !core_emails {
            return Ok(None);
        }
        let Some(value) = required_value_eq(filter) else {
            return Ok(None);
        };
        let rows = self.rows(path, Source::Emails, elements.def);
        let name = format!("{}.value", written(path));
        rows.any(self, |rows| {
            rows.default_field(self)?
                .compare(self.backend, CompareOp::Eq, value, &name)
        })
        .map(Some)
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

/// The string `x` of a `value eq "x"` that `filter` (a value filter's inner filter) requires:
/// the comparison itself, or one side of an `and` chain that holds it.
fn required_value_eq(filter: &Filter) -> Option<&CompValue> {
    match filter {
        Filter::And(left, right) => required_value_eq(left).or_else(|| required_value_eq(right)),
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: value @ CompValue::String(_),
        } if path.schema.is_none()
            && path.sub_attr.is_none()
            && path.attr.eq_ignore_ascii_case("value") =>
        {
            Some(value)
        }
        _ => None,
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
