//! An in-memory [`ScimStore`] for the HTTP tests: filters with the crate's evaluator, sorts by
//! one attribute, pages by index or by an offset cursor, and remembers the last [`ListQuery`]
//! so tests can see what the handlers asked for.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::ScimError;
use crate::context::ScimContext;
use crate::filter::{AttrPath, matches};
use crate::patch::{MemberChange, PatchOperation, apply_group_patch, apply_user_patch};
use crate::resource::{Normalized, ResourceKind, display_name, user_name};
use crate::store::{
    ListQuery, Page, Paging, Precondition, Reference, ScimStore, SortOrder, StoredResource, Wants,
    render,
};

#[derive(Debug, Clone, Default)]
pub(crate) struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    records: Vec<Record>,
    last_query: Option<ListQuery>,
}

#[derive(Debug, Clone)]
struct Record {
    kind: ResourceKind,
    id: String,
    document: Value,
    version: i64,
    members: Vec<String>,
}

fn timestamp() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
}

fn name_of(kind: ResourceKind, doc: &Value) -> String {
    match kind {
        ResourceKind::User => user_name(doc),
        ResourceKind::Group => display_name(doc),
    }
    .unwrap_or_default()
    .to_lowercase()
}

impl MemoryStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The query of the last `list` call.
    pub(crate) fn last_query(&self) -> Option<ListQuery> {
        self.lock().last_query.clone()
    }

    /// How many resources of `kind` exist.
    pub(crate) fn count(&self, kind: ResourceKind) -> usize {
        self.lock()
            .records
            .iter()
            .filter(|r| r.kind == kind)
            .count()
    }

    /// The member ids of the Group `id`.
    pub(crate) fn members(&self, id: &str) -> Vec<String> {
        let inner = self.lock();
        inner
            .find(ResourceKind::Group, id)
            .map(|r| r.members.clone())
            .unwrap_or_default()
    }
}

impl Inner {
    fn find(&self, kind: ResourceKind, id: &str) -> Result<&Record, ScimError> {
        self.records
            .iter()
            .find(|r| r.kind == kind && r.id == id)
            .ok_or_else(|| ScimError::not_found(format!("no {} with id `{id}`", kind.as_str())))
    }

    fn position(&self, kind: ResourceKind, id: &str) -> Result<usize, ScimError> {
        self.find(kind, id)?;
        Ok(self
            .records
            .iter()
            .position(|r| r.kind == kind && r.id == id)
            .unwrap_or_default())
    }

    fn check_unique(
        &self,
        kind: ResourceKind,
        doc: &Value,
        except: Option<&str>,
    ) -> Result<(), ScimError> {
        let name = name_of(kind, doc);
        let taken = self.records.iter().any(|r| {
            r.kind == kind && Some(r.id.as_str()) != except && name_of(kind, &r.document) == name
        });
        if taken {
            return Err(ScimError::uniqueness(format!("`{name}` is already taken")));
        }
        Ok(())
    }

    fn check_members(&self, ids: &[String]) -> Result<(), ScimError> {
        match ids
            .iter()
            .find(|id| !self.records.iter().any(|r| &r.id == *id))
        {
            Some(id) => Err(ScimError::invalid_value(format!(
                "no member with id `{id}`"
            ))),
            None => Ok(()),
        }
    }

    fn stored(&self, record: &Record, wants: Wants) -> StoredResource {
        let references = match record.kind {
            ResourceKind::Group if wants.members => Some(
                record
                    .members
                    .iter()
                    .filter_map(|id| self.records.iter().find(|r| &r.id == id))
                    .map(|r| Reference {
                        value: r.id.clone(),
                        display: Some(name_of(r.kind, &r.document)),
                        kind: r.kind.as_str(),
                    })
                    .collect(),
            ),
            ResourceKind::User if wants.groups => Some(
                self.records
                    .iter()
                    .filter(|g| g.kind == ResourceKind::Group && g.members.contains(&record.id))
                    .map(|g| Reference {
                        value: g.id.clone(),
                        display: Some(name_of(g.kind, &g.document)),
                        kind: "Group",
                    })
                    .collect(),
            ),
            _ => None,
        };
        StoredResource {
            kind: record.kind,
            id: record.id.clone(),
            document: record.document.clone(),
            version: record.version,
            created: timestamp(),
            last_modified: timestamp(),
            references,
            extensions: vec![],
        }
    }
}

fn member_ids(input: &Normalized) -> Option<Vec<String>> {
    input
        .members
        .as_ref()
        .map(|refs| refs.iter().map(|m| m.value.clone()).collect())
}

fn sort_key(doc: &Value, path: &AttrPath) -> String {
    let value = doc.get(&path.attr).or_else(|| {
        doc.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&path.attr))
            .map(|(_, v)| v)
    });
    let value = match (&path.sub_attr, value) {
        (Some(sub), Some(v)) => v.get(sub),
        (None, v) => v,
        (_, None) => None,
    };
    value
        .map(|v| v.to_string().to_lowercase())
        .unwrap_or_default()
}

impl ScimStore for MemoryStore {
    async fn create(
        &self,
        _ctx: &ScimContext,
        kind: ResourceKind,
        input: Normalized,
        wants: Wants,
    ) -> Result<StoredResource, ScimError> {
        let mut inner = self.lock();
        inner.check_unique(kind, &input.document, None)?;
        let members = member_ids(&input).unwrap_or_default();
        inner.check_members(&members)?;
        inner.next_id += 1;
        let prefix = if kind == ResourceKind::User { "u" } else { "g" };
        let record = Record {
            kind,
            id: format!("{prefix}{}", inner.next_id),
            document: input.document,
            version: 1,
            members,
        };
        let stored = inner.stored(&record, wants);
        inner.records.push(record);
        Ok(stored)
    }

    async fn get(
        &self,
        _ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        wants: Wants,
    ) -> Result<StoredResource, ScimError> {
        let inner = self.lock();
        let record = inner.find(kind, id)?;
        Ok(inner.stored(record, wants))
    }

    async fn replace(
        &self,
        _ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        input: Normalized,
        precondition: &Precondition,
        wants: Wants,
    ) -> Result<StoredResource, ScimError> {
        let mut inner = self.lock();
        let at = inner.position(kind, id)?;
        precondition.check(inner.records[at].version)?;
        inner.check_unique(kind, &input.document, Some(id))?;
        let members = member_ids(&input);
        if let Some(members) = &members {
            inner.check_members(members)?;
        }
        let record = &mut inner.records[at];
        record.document = input.document;
        record.version += 1;
        if let Some(members) = members {
            record.members = members;
        }
        let record = record.clone();
        Ok(inner.stored(&record, wants))
    }

    async fn patch(
        &self,
        _ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        operations: &[PatchOperation],
        precondition: &Precondition,
        wants: Wants,
    ) -> Result<StoredResource, ScimError> {
        let mut inner = self.lock();
        let at = inner.position(kind, id)?;
        let mut record = inner.records[at].clone();
        precondition.check(record.version)?;
        match kind {
            ResourceKind::User => apply_user_patch(&mut record.document, operations)?,
            ResourceKind::Group => {
                for change in apply_group_patch(&mut record.document, operations)? {
                    match change {
                        MemberChange::Add(ids) => {
                            inner.check_members(&ids)?;
                            record.members.extend(
                                ids.into_iter()
                                    .filter(|id| !record.members.contains(id))
                                    .collect::<Vec<_>>(),
                            );
                        }
                        MemberChange::Remove(ids) => record.members.retain(|m| !ids.contains(m)),
                        MemberChange::RemoveAll => record.members.clear(),
                        MemberChange::ReplaceAll(ids) => {
                            inner.check_members(&ids)?;
                            record.members = ids;
                        }
                    }
                }
            }
        }
        record.version += 1;
        inner.records[at] = record.clone();
        Ok(inner.stored(&record, wants))
    }

    async fn delete(
        &self,
        _ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        precondition: &Precondition,
    ) -> Result<(), ScimError> {
        let mut inner = self.lock();
        let at = inner.position(kind, id)?;
        precondition.check(inner.records[at].version)?;
        inner.records.remove(at);
        for group in &mut inner.records {
            group.members.retain(|m| m != id);
        }
        Ok(())
    }

    async fn list(
        &self,
        _ctx: &ScimContext,
        kind: ResourceKind,
        query: &ListQuery,
    ) -> Result<Page, ScimError> {
        let mut inner = self.lock();
        inner.last_query = Some(query.clone());
        let mut found: Vec<(StoredResource, Value)> = inner
            .records
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| {
                let stored = inner.stored(r, Wants::default());
                let wire = render(&stored, "");
                (inner.stored(r, query.wants), wire)
            })
            .filter(|(_, wire)| {
                query
                    .filter
                    .as_ref()
                    .is_none_or(|f| matches(f, wire, &|_| false))
            })
            .collect();
        if let Some(path) = &query.sort_by {
            found.sort_by_key(|(_, wire)| sort_key(wire, path));
            if query.sort_order == SortOrder::Descending {
                found.reverse();
            }
        }
        let total_results = u64::try_from(found.len()).unwrap_or_default();
        let (offset, count) = match &query.paging {
            Paging::Index { start_index, count } => (start_index.saturating_sub(1), *count),
            Paging::Cursor { cursor, count } => {
                let offset = cursor
                    .as_deref()
                    .map_or(Ok(0), str::parse::<u64>)
                    .map_err(|_| ScimError::invalid_value("invalid cursor"))?;
                (offset, *count)
            }
        };
        let resources: Vec<StoredResource> = found
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(count).unwrap_or(usize::MAX))
            .map(|(stored, _)| stored)
            .collect();
        let end = offset + u64::try_from(resources.len()).unwrap_or_default();
        Ok(match query.paging {
            Paging::Index { start_index, .. } => Page {
                total_results,
                resources,
                start_index: Some(start_index),
                next_cursor: None,
            },
            Paging::Cursor { .. } => Page {
                total_results,
                resources,
                start_index: None,
                next_cursor: (end < total_results).then(|| end.to_string()),
            },
        })
    }
}
