//! `POST /Bulk` (RFC 7644 section 3.7): many operations in one request, run one after another
//! through the store, each atomic on its own (an operation that fails changes nothing, and
//! does not undo the ones before it).
//!
//! - Size: more than `bulk.maxOperations` operations, or a body larger than
//!   `bulk.maxPayloadSize`, is refused whole with 413 naming the limit.
//! - `bulkId:<id>` in an operation's `path` or anywhere in its `data` (a Group's `members`
//!   values) is replaced by the id the POST with that `bulkId` created. An operation that
//!   refers to a POST later in the request waits until that POST has run, so the order of the
//!   request does not matter: a waiting operation is parked under the bulkId it waits for and
//!   woken when that POST has run, so resolving references costs linear time whatever their
//!   order (no pass over every pending operation per step of a chain). A reference to a bulkId
//!   no POST declares, to a POST that failed, or that can never resolve (a circular reference),
//!   fails that operation with 409, as section 3.7.2 allows.
//! - `failOnErrors`: processing stops once that many operations have failed (0 counts as 1);
//!   the response lists the operations that ran, in request order.
//! - Per-operation failures are entries with `status` and the SCIM error as `response`; the
//!   Bulk request itself answers 200.

mod operation;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use axum::Extension;
use axum::extract::State;
use http::StatusCode;
use serde_json::{Value, json};

use self::operation::{BulkMethod, Echo, Operation, get};
use super::Shared;
use super::body::{RawBody, parse_json};
use crate::ScimError;
use crate::context::ScimContext;
use crate::discovery::ServiceLimits;
use crate::media::ScimJson;
use crate::patch::parse_patch_request_within;
use crate::resource::{WriteMode, normalize};
use crate::store::{ScimStore, StoredResource, Wants, location};

/// `urn:ietf:params:scim:api:messages:2.0:BulkRequest`
const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// `urn:ietf:params:scim:api:messages:2.0:BulkResponse`
const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// `POST /Bulk`.
pub(super) async fn bulk<S: ScimStore>(
    State(shared): State<Shared<S>>,
    Extension(ctx): Extension<ScimContext>,
    RawBody(bytes): RawBody,
) -> Result<ScimJson<Value>, ScimError> {
    let limits = shared.limits;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.bulk_max_payload_bytes {
        return Err(ScimError::payload_too_large(format!(
            "The Bulk request is {size} bytes; maxPayloadSize is {} bytes (see \
             /ServiceProviderConfig). Split it into smaller Bulk requests.",
            limits.bulk_max_payload_bytes
        )));
    }
    let body = parse_json(&bytes)?;
    let (operations, max_errors) = parse_request(&body, &limits)?;
    let mut run = BulkRun {
        store: &shared.store,
        ctx: &ctx,
        bulk_ids: HashMap::new(),
        entries: Vec::new(),
        errors: 0,
        max_errors,
        max_patch_operations: limits.max_patch_operations,
    };
    let entries = run.run(operations).await;
    Ok(ScimJson(json!({
        "schemas": [BULK_RESPONSE_SCHEMA],
        "Operations": entries,
    })))
}

/// Checks the BulkRequest message; returns its operations and `failOnErrors`.
fn parse_request<'a>(
    body: &'a Value,
    limits: &ServiceLimits,
) -> Result<(&'a [Value], Option<u64>), ScimError> {
    if !body.is_object() {
        return Err(ScimError::invalid_syntax(
            "The Bulk body must be a JSON object (a BulkRequest message).",
        ));
    }
    let names_bulk = |v: &Value| {
        v.as_str()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case(BULK_REQUEST_SCHEMA))
    };
    if !get(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|list| list.iter().any(names_bulk))
    {
        return Err(ScimError::invalid_syntax(format!(
            "`schemas` must be [\"{BULK_REQUEST_SCHEMA}\"]: a Bulk body is a BulkRequest message."
        )));
    }
    let Some(operations) = get(body, "Operations").and_then(Value::as_array) else {
        return Err(ScimError::invalid_syntax(
            "The Bulk body needs an `Operations` array.",
        ));
    };
    if operations.len() > usize::try_from(limits.bulk_max_operations).unwrap_or(usize::MAX) {
        return Err(ScimError::payload_too_large(format!(
            "The Bulk request has {} operations; maxOperations is {} (see \
             /ServiceProviderConfig). Split it into smaller Bulk requests.",
            operations.len(),
            limits.bulk_max_operations
        )));
    }
    let max_errors = match get(body, "failOnErrors") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_u64().ok_or_else(|| {
            ScimError::invalid_value(format!(
                "`failOnErrors` must be a non-negative integer; got {value}."
            ))
        })?),
    };
    Ok((operations, max_errors.map(|n| n.max(1))))
}

/// One operation waiting to run: what parsing made of it, and what its response echoes.
struct Job {
    echo: Echo,
    index: usize,
    op: Result<Operation, ScimError>,
    /// The bulkIds the operation refers to, found once.
    refs: Vec<String>,
    /// How many of `refs` are known to be created (a created one stays created).
    resolved: usize,
}

impl Job {
    /// The bulkId this job's POST declares, if it is a well-formed POST.
    fn declares(&self) -> Option<&str> {
        self.op
            .as_ref()
            .ok()
            .filter(|op| op.method == BulkMethod::Post)
            .and_then(|op| op.bulk_id.as_deref())
    }
}

/// What became of the POST that declared a bulkId.
enum Created {
    Pending,
    Done(String),
    Failed,
}

/// The state of one Bulk request while its operations run.
struct BulkRun<'a, S> {
    store: &'a S,
    ctx: &'a ScimContext,
    bulk_ids: HashMap<String, Created>,
    /// Response entries by operation index.
    entries: Vec<(usize, Value)>,
    errors: u64,
    max_errors: Option<u64>,
    max_patch_operations: u32,
}

impl<S: ScimStore> BulkRun<'_, S> {
    async fn run(&mut self, operations: &[Value]) -> Vec<Value> {
        let mut ready = self.register(operations);
        // Jobs waiting for a POST that has not run yet, by the bulkId they wait for.
        let mut waiting: HashMap<String, Vec<Job>> = HashMap::new();
        while !ready.is_empty() && !self.stopped() {
            let mut woken = Vec::new();
            for job in ready {
                if self.stopped() {
                    break;
                }
                let declared = job.declares().map(str::to_owned);
                match self.step(job).await {
                    Some((reference, job)) => waiting.entry(reference).or_default().push(job),
                    None => {
                        // The POST ran (or failed): whoever waited for it can go on.
                        if let Some(jobs) = declared.and_then(|id| waiting.remove(&id)) {
                            woken.extend(jobs);
                        }
                    }
                }
            }
            // Woken jobs run in request order, as a new pass over the request would.
            woken.sort_by_key(|job| job.index);
            ready = woken;
        }
        let mut stuck: Vec<Job> = waiting.into_values().flatten().collect();
        stuck.sort_by_key(|job| job.index);
        for job in stuck {
            if self.stopped() {
                break;
            }
            let err = ScimError::new(
                StatusCode::CONFLICT,
                None,
                "The bulkId references of this operation cannot be resolved: they are \
                 circular (an operation waits, directly or not, for itself).",
            );
            self.fail(&job, err);
        }
        self.entries.sort_by_key(|(index, _)| *index);
        std::mem::take(&mut self.entries)
            .into_iter()
            .map(|(_, entry)| entry)
            .collect()
    }

    /// Parses every operation and notes the bulkIds the POSTs declare.
    fn register(&mut self, operations: &[Value]) -> Vec<Job> {
        let mut jobs = Vec::with_capacity(operations.len());
        for (index, raw) in operations.iter().enumerate() {
            let echo = Echo::of(raw);
            let mut op = Operation::parse(index, raw);
            let declared = match &op {
                Ok(op) => op.bulk_id.clone().filter(|_| op.method == BulkMethod::Post),
                Err(_) => echo
                    .bulk_id
                    .clone()
                    .filter(|_| echo.method.as_deref() == Some("POST")),
            };
            if let Some(bulk_id) = declared {
                match self.bulk_ids.entry(bulk_id) {
                    Entry::Occupied(taken) => {
                        op = Err(ScimError::invalid_value(format!(
                            "Operations[{index}]: bulkId \"{}\" is already used by an earlier \
                             operation; bulkIds must be unique within a request.",
                            taken.key()
                        )));
                    }
                    Entry::Vacant(free) => {
                        free.insert(if op.is_ok() {
                            Created::Pending
                        } else {
                            Created::Failed
                        });
                    }
                }
            }
            let refs = op
                .as_ref()
                .map(|op| op.references().into_iter().collect())
                .unwrap_or_default();
            jobs.push(Job {
                echo,
                index,
                op,
                refs,
                resolved: 0,
            });
        }
        jobs
    }

    fn stopped(&self) -> bool {
        self.max_errors.is_some_and(|max| self.errors >= max)
    }

    /// Runs one job, or hands it back with the bulkId of the POST it waits for when that POST
    /// has not run yet.
    async fn step(&mut self, mut job: Job) -> Option<(String, Job)> {
        if let Err(err) = &job.op {
            let err = err.clone();
            self.fail(&job, err);
            return None;
        }
        while let Some(reference) = job.refs.get(job.resolved) {
            let problem = match self.bulk_ids.get(reference) {
                Some(Created::Done(_)) => {
                    job.resolved += 1;
                    continue;
                }
                Some(Created::Pending) => return Some((reference.clone(), job)),
                Some(Created::Failed) => "refers to a POST that failed",
                None => "is not the bulkId of any POST in this request",
            };
            let err = ScimError::new(
                StatusCode::CONFLICT,
                None,
                format!("Operations[{}]: bulkId:{reference} {problem}.", job.index),
            );
            self.fail(&job, err);
            return None;
        }
        let Ok(op) = &job.op else {
            return None;
        };
        let mut op = op.clone();
        op.substitute(&|reference| match self.bulk_ids.get(reference) {
            Some(Created::Done(id)) => Some(id.clone()),
            _ => None,
        });
        match self.execute(&op).await {
            Ok((status, resource)) => self.succeed(&job, &op, status, resource.as_ref()),
            Err(err) => self.fail(&job, err),
        }
        None
    }

    async fn execute(
        &self,
        op: &Operation,
    ) -> Result<(StatusCode, Option<StoredResource>), ScimError> {
        let (store, ctx, kind) = (self.store, self.ctx, op.kind);
        let id = op.id.as_deref().unwrap_or_default();
        if id.contains('\0') {
            return Err(ScimError::not_found(format!(
                "Operations[{}]: no resource has this id.",
                op.index
            )));
        }
        let data = op.data.clone().unwrap_or(Value::Null);
        let precondition = op.precondition();
        // A bulk response carries no resource, so nothing computed needs loading.
        match op.method {
            BulkMethod::Post => {
                let input = normalize(kind, data, WriteMode::Create)?;
                let created = store.create(ctx, kind, input, Wants::NONE).await?;
                Ok((StatusCode::CREATED, Some(created)))
            }
            BulkMethod::Put => {
                let input = normalize(kind, data, WriteMode::Replace)?;
                let replaced = store
                    .replace(ctx, kind, id, input, &precondition, Wants::NONE)
                    .await?;
                Ok((StatusCode::OK, Some(replaced)))
            }
            BulkMethod::Patch => {
                let operations = parse_patch_request_within(&data, self.max_patch_operations)?;
                let patched = store
                    .patch(ctx, kind, id, &operations, &precondition, Wants::NONE)
                    .await?;
                Ok((StatusCode::OK, Some(patched)))
            }
            BulkMethod::Delete => {
                store.delete(ctx, kind, id, &precondition).await?;
                Ok((StatusCode::NO_CONTENT, None))
            }
        }
    }

    fn succeed(
        &mut self,
        job: &Job,
        op: &Operation,
        status: StatusCode,
        resource: Option<&StoredResource>,
    ) {
        let id = resource.map(|r| r.id.clone()).or_else(|| op.id.clone());
        if let (BulkMethod::Post, Some(bulk_id), Some(id)) = (op.method, &op.bulk_id, &id) {
            self.bulk_ids
                .insert(bulk_id.clone(), Created::Done(id.clone()));
        }
        let location = id.map(|id| location(&self.ctx.base_url, op.kind, &id));
        let version = resource.map(StoredResource::etag);
        let entry = job.echo.response(status, location, version, None);
        self.entries.push((job.index, entry));
    }

    fn fail(&mut self, job: &Job, err: ScimError) {
        let op = job.op.as_ref().ok();
        if let Some(Operation {
            method: BulkMethod::Post,
            bulk_id: Some(bulk_id),
            ..
        }) = op
        {
            self.bulk_ids.insert(bulk_id.clone(), Created::Failed);
        }
        let location = op
            .and_then(|op| {
                op.id
                    .as_ref()
                    .filter(|id| !id.starts_with("bulkId:"))
                    .map(|id| (op.kind, id))
            })
            .map(|(kind, id)| location(&self.ctx.base_url, kind, id));
        let entry = job.echo.response(err.status, location, None, Some(&err));
        self.entries.push((job.index, entry));
        self.errors += 1;
    }
}
