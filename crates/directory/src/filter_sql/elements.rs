//! The elements of a multi-valued attribute in SQL: `EXISTS` over JSON array elements, or
//! `IN` over the index rows of emails, a User's groups and a Group's members.

use rosterd_scim::ScimError;
use rosterd_scim::filter::AttrPath;
use rosterd_scim::schema::{AttrType, AttributeDef};
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{Alias, Expr, Func, Query, SimpleExpr};

use super::operand::{Case, Operand, always};
use super::targets::{ELEMENT, Elements, Source, Target, cust, json_at};
use super::{Translator, unfilterable, unknown};
use crate::entity::{group_member, scim_user, scim_user_email, user_group};

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
