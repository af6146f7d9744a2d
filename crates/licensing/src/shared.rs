//! What the product apps' SCIM routes are built from.

use std::sync::Arc;

use rosterd_directory::Directory;
use rosterd_domain::Clock;
use rosterd_scim::discovery::ServiceLimits;

use crate::app::ProductApp;
use crate::hooks::Licensing;

/// What every product app's SCIM routes are built from: the directory (without hooks), the
/// clock, the service limits, and whether writes reach the ledger (always in rosterd; off only
/// in the benchmark that measures what the ledger costs).
#[derive(Clone)]
pub struct Shared {
    pub directory: Directory,
    pub clock: Arc<dyn Clock>,
    pub limits: ServiceLimits,
    pub ledger: bool,
}

impl Shared {
    /// The directory `app`'s SCIM requests use: licensed through the ledger unless it is off.
    pub fn directory_for(&self, app: ProductApp) -> Directory {
        if self.ledger {
            self.directory
                .clone()
                .with_hooks(Arc::new(Licensing::new(self.clock.clone(), app)))
        } else {
            self.directory.clone()
        }
    }
}
