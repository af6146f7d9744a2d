//! The browser the flows drive: one chromedriver per test on a free loopback port and one
//! headless Chromium session through `fantoccini` (plain HTTP over loopback, no TLS), plus what
//! the flows add on top: waits that fail the test with a screenshot and the page's HTML, key
//! presses, full-page screenshots. Dropping the [`Browser`] ends the session (which quits
//! Chromium) and kills chromedriver.

use std::future::Future;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::cookies::Cookie;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::sync::{Semaphore, SemaphorePermit};

pub use fantoccini::Locator;
pub use fantoccini::elements::Element;

/// How long a wait for an element or a condition lasts before the test fails.
const WAIT: Duration = Duration::from_secs(15);

/// Keys as WebDriver spells them.
pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";

/// Browsers running at once across the test binary: Chromium is heavy and CI has two cores.
static SLOTS: Semaphore = Semaphore::const_new(2);

/// Where chromedriver is, or why the browser tests cannot run.
fn chromedriver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(path));
    }
    let path = Path::new("/usr/bin/chromedriver");
    path.exists().then(|| path.to_owned())
}

/// A headless Chromium driven through its own chromedriver.
pub struct Browser {
    client: Client,
    /// `127.0.0.1:PORT`
    driver_addr: String,
    session_id: String,
    driver: Child,
    /// `target/browser-artifacts/<test>/`
    pub artifacts: PathBuf,
    failures: u32,
    _slot: SemaphorePermit<'static>,
}

/// A WebDriver command that must succeed: its error fails the test.
async fn ok<T>(
    what: &str,
    command: impl Future<Output = Result<T, fantoccini::error::CmdError>>,
) -> T {
    command
        .await
        .unwrap_or_else(|e| panic!("WebDriver {what}: {e}"))
}

impl Browser {
    /// Starts chromedriver and a headless Chromium for the test `test`.
    ///
    /// Without chromedriver: fails when `CI` is set, otherwise prints a loud notice and returns
    /// `None` so the suite still passes on a machine without Chromium.
    pub async fn launch(test: &str) -> Option<Self> {
        let Some(binary) = chromedriver() else {
            let msg = "chromedriver not found at /usr/bin/chromedriver (nor $CHROMEDRIVER): \
                       run scripts/install-browser.sh to install Debian's chromium and chromium-driver";
            assert!(
                std::env::var_os("CI").is_none(),
                "browser test {test}: {msg}"
            );
            // Straight to stderr: the test harness captures `eprintln!` of passing tests, and
            // a skip nobody sees would look like a pass.
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                     !! SKIPPING the browser tests: {msg}\n\
                     !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                );
            });
            let _ = writeln!(std::io::stderr(), "skipped browser test {test}");
            return None;
        };
        let slot = SLOTS.acquire().await.unwrap();
        let artifacts = artifacts_root().join(test);
        let _ = std::fs::remove_dir_all(&artifacts);
        std::fs::create_dir_all(&artifacts).unwrap();

        let port = free_port();
        let mut driver = Command::new(&binary)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                artifacts.join("chromedriver.log").display()
            ))
            .arg("--log-level=WARNING")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        let driver_addr = format!("127.0.0.1:{port}");
        let start = Instant::now();
        while TcpStream::connect(&driver_addr).is_err() {
            if let Ok(Some(status)) = driver.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            if start.elapsed() > WAIT {
                let _ = driver.kill();
                panic!("chromedriver not listening on {driver_addr}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let mut options = json!({
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--window-size=1280,900",
            ],
        });
        let chromium = Path::new("/usr/bin/chromium");
        if chromium.exists() {
            options["binary"] = json!(chromium);
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "timeouts": {"implicit": 0, "pageLoad": 30_000, "script": 10_000},
        });
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&format!("http://{driver_addr}"))
            .await;
        let client = match client {
            Ok(client) => client,
            Err(e) => {
                let _ = driver.kill();
                panic!("new WebDriver session: {e}");
            }
        };
        let session_id = ok("session id", client.session_id()).await.unwrap();
        Some(Self {
            client,
            driver_addr,
            session_id,
            driver,
            artifacts,
            failures: 0,
            _slot: slot,
        })
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        ok(url, self.client.goto(url)).await;
    }

    pub async fn current_url(&self) -> String {
        ok("current url", self.client.current_url()).await.into()
    }

    pub async fn title(&self) -> String {
        ok("title", self.client.title()).await
    }

    /// The page's HTML, for failure messages.
    pub async fn source(&self) -> String {
        ok("source", self.client.source()).await
    }

    /// Every element matching `css` on the page now (possibly none).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        ok(css, self.client.find_all(Locator::Css(css))).await
    }

    /// The first element matching `css`, waiting for it to appear; fails the test (with a
    /// screenshot) if it does not.
    pub async fn find(&mut self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            // An error here is a page in the middle of loading: try again.
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                return e;
            }
            if start.elapsed() > WAIT {
                self.fail(&format!("no element `{css}`")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reloads the page until `css` is on it, for what the server writes in the background
    /// (the provisioning log); fails the test otherwise.
    pub async fn reload_until(&mut self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                return e;
            }
            if start.elapsed() > WAIT {
                self.fail(&format!("no `{css}` after reloading")).await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            let here = self.current_url().await;
            self.goto(&here).await;
        }
    }

    /// Waits until the page's visible text contains `text`; fails the test otherwise.
    pub async fn wait_for_text(&mut self, text: &str) {
        let start = Instant::now();
        while !self.body_text().await.contains(text) {
            if start.elapsed() > WAIT {
                self.fail(&format!("`{text}` never appeared")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's title starts with `title`; fails the test otherwise.
    pub async fn wait_for_title(&mut self, title: &str) {
        let start = Instant::now();
        while !self.title().await.starts_with(title) {
            if start.elapsed() > WAIT {
                self.fail(&format!("title never became `{title}…`")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The rendered text of the whole page; empty while a page is being replaced by the next.
    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Saves a screenshot, the page's HTML and its address, then fails the test with `why`.
    pub async fn fail(&mut self, why: &str) -> ! {
        self.failures += 1;
        let name = format!("failure-{}", self.failures);
        let shot = self.screenshot(&name).await;
        let html = self.artifacts.join(format!("{name}.html"));
        std::fs::write(&html, self.source().await).unwrap();
        panic!(
            "{why} on {} (title `{}`); screenshot {}, page {}",
            self.current_url().await,
            self.title().await,
            shot.display(),
            html.display()
        );
    }

    /// Finds `css` and clicks it; a click that submits a form waits for the next page to load.
    pub async fn click_on(&mut self, css: &str) {
        let e = self.find(css).await;
        ok(css, e.click()).await;
    }

    /// Runs `js` (a function body: `return ...`) in the page and returns what it returns.
    pub async fn script(&self, js: &str) -> serde_json::Value {
        ok("execute script", self.client.execute(js, Vec::new())).await
    }

    /// The element that has keyboard focus.
    pub async fn focused(&self) -> Element {
        ok("active element", self.client.active_element()).await
    }

    /// Presses and releases each key of `keys` in turn on whatever has focus, as a person at a
    /// keyboard would.
    pub async fn press(&self, keys: &str) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for value in keys.chars() {
            actions = actions
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        ok("actions", self.client.perform_actions(actions)).await;
        ok("release actions", self.client.release_actions()).await;
    }

    /// The browser's cookie `name` for the current page (`HttpOnly` ones included).
    pub async fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.client.get_named_cookie(name).await.ok()
    }

    /// The page as the browser shows it, saved to `<artifacts>/<name>.png`: the whole page, not
    /// just the 1280×900 viewport.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let shot = ok("screenshot", self.client.issue_cmd(FullPageScreenshot)).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        assert!(
            png.starts_with(b"\x89PNG"),
            "screenshot {name} is not a PNG"
        );
        let path = self.artifacts.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

/// Chromium's own full-page capture, through chromedriver's CDP passthrough: the W3C screenshot
/// would stop at the fold.
#[derive(Debug)]
struct FullPageScreenshot;

impl WebDriverCompatibleCommand for FullPageScreenshot {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({
            "cmd": "Page.captureScreenshot",
            "params": {"format": "png", "captureBeyondViewport": true}
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Drop for Browser {
    /// Ends the session (Chromium quits with it), then stops chromedriver. Synchronous, so it
    /// also runs when a test panics: `fantoccini` closes a session from a task on the test's
    /// runtime, which is gone by then.
    fn drop(&mut self) {
        if let Ok(mut stream) = TcpStream::connect(&self.driver_addr) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n",
                self.session_id, self.driver_addr
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `<target>/browser-artifacts`: beside the test binaries' scratch directory, so it follows
/// `CARGO_TARGET_DIR`.
pub fn artifacts_root() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("browser-artifacts")
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
