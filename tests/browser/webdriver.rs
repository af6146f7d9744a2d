//! A small W3C WebDriver client for chromedriver over `reqwest`: one chromedriver per browser on
//! a free loopback port, one headless Chromium session, and the handful of commands the flows
//! use (navigate, find by CSS, type, click, read, key presses, cookies, screenshots). Dropping the
//! [`Browser`] ends the session (which quits Chromium) and kills chromedriver.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

/// The key of an element reference in WebDriver JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

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
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT`
    driver_url: String,
    /// `{driver_url}/session/{id}`
    session_url: String,
    session_id: String,
    driver: Child,
    /// `target/browser-artifacts/<test>/`
    pub artifacts: PathBuf,
    failures: u32,
    _slot: SemaphorePermit<'static>,
}

/// An element found on the current page.
#[derive(Debug, Clone)]
pub struct Element {
    id: String,
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
        let driver = Command::new(&binary)
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
        let driver_url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();

        // Owns the process from here, so a failed start still kills it.
        let mut browser = Self {
            http,
            session_url: String::new(),
            session_id: String::new(),
            driver_url,
            driver,
            artifacts,
            failures: 0,
            _slot: slot,
        };
        browser.wait_until_ready().await;
        browser.new_session().await;
        Some(browser)
    }

    async fn wait_until_ready(&mut self) {
        let start = Instant::now();
        loop {
            let status = self
                .command(
                    reqwest::Method::GET,
                    &format!("{}/status", self.driver_url),
                    None,
                )
                .await;
            if status.is_ok_and(|s| s["ready"] == true) {
                return;
            }
            if let Ok(Some(status)) = self.driver.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            assert!(
                start.elapsed() < WAIT,
                "chromedriver not ready on {}",
                self.driver_url
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn new_session(&mut self) {
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
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": options,
                    "timeouts": {"implicit": 0, "pageLoad": 30_000, "script": 10_000},
                }
            }
        });
        let value = self
            .command(
                reqwest::Method::POST,
                &format!("{}/session", self.driver_url),
                Some(caps),
            )
            .await
            .unwrap_or_else(|e| panic!("new session: {e}"));
        self.session_id = value["sessionId"].as_str().unwrap().to_owned();
        self.session_url = format!("{}/session/{}", self.driver_url, self.session_id);
    }

    /// Sends one WebDriver command; returns its `value`, or the WebDriver error as text.
    async fn command(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut req = self.http.request(method.clone(), url);
        // POSTs always carry a JSON body, even an empty one.
        if method == reqwest::Method::POST {
            req = req.json(&body.unwrap_or_else(|| json!({})));
        }
        let res = req.send().await.map_err(|e| format!("{url}: {e}"))?;
        let ok = res.status().is_success();
        let body: Value = res.json().await.map_err(|e| format!("{url}: {e}"))?;
        let value = body["value"].clone();
        if ok {
            Ok(value)
        } else {
            Err(format!(
                "{}: {}",
                value["error"].as_str().unwrap_or("error"),
                value["message"].as_str().unwrap_or_default()
            ))
        }
    }

    /// A session command that must succeed.
    async fn session(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        match self.try_session(method, path, body).await {
            Ok(v) => v,
            Err(e) => panic!("WebDriver {path}: {e}"),
        }
    }

    /// A session command that may fail, e.g. on an element of a page being replaced by the next
    /// one ("stale element reference"); waits retry those.
    async fn try_session(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!("{}{path}", self.session_url);
        self.command(method, &url, body).await
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.session(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    pub async fn current_url(&self) -> String {
        self.session(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn title(&self) -> String {
        self.session(reqwest::Method::GET, "/title", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The page's HTML, for failure messages.
    pub async fn source(&self) -> String {
        self.session(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Every element matching `css` on the page now (possibly none).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        match self.try_find_all(css).await {
            Ok(found) => found,
            Err(e) => panic!("WebDriver find `{css}`: {e}"),
        }
    }

    async fn try_find_all(&self, css: &str) -> Result<Vec<Element>, String> {
        let found = self
            .try_session(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(found
            .as_array()
            .unwrap()
            .iter()
            .map(|e| Element {
                id: e[ELEMENT].as_str().unwrap().to_owned(),
            })
            .collect())
    }

    /// Every element matching `css` inside `parent`.
    pub async fn find_all_in(&self, parent: &Element, css: &str) -> Vec<Element> {
        let found = self
            .session(
                reqwest::Method::POST,
                &format!("/element/{}/elements", parent.id),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|e| Element {
                id: e[ELEMENT].as_str().unwrap().to_owned(),
            })
            .collect()
    }

    /// The texts of `row`'s cells (`th` and `td`), in order.
    pub async fn cells(&self, row: &Element) -> Vec<String> {
        let mut texts = Vec::new();
        for cell in self.find_all_in(row, "th, td").await {
            texts.push(self.text(&cell).await);
        }
        texts
    }

    /// The first element matching `css`, waiting for it to appear; fails the test (with a
    /// screenshot) if it does not.
    pub async fn find(&mut self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            // An error here is a page in the middle of loading: try again.
            if let Some(e) = self
                .try_find_all(css)
                .await
                .ok()
                .and_then(|f| f.into_iter().next())
            {
                return e;
            }
            if start.elapsed() > WAIT {
                self.fail(&format!("no element `{css}`")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's visible text contains `text`; fails the test otherwise.
    pub async fn wait_for_text(&mut self, text: &str) {
        let start = Instant::now();
        loop {
            if self.body_text().await.contains(text) {
                return;
            }
            if start.elapsed() > WAIT {
                self.fail(&format!("`{text}` never appeared")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reloads the page until `css` is on it, for what the server writes in the background
    /// (the provisioning log); fails the test otherwise.
    pub async fn reload_until(&mut self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            if let Some(e) = self
                .try_find_all(css)
                .await
                .ok()
                .and_then(|f| f.into_iter().next())
            {
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

    /// Waits until the page's title starts with `title`; fails the test otherwise.
    pub async fn wait_for_title(&mut self, title: &str) {
        let start = Instant::now();
        loop {
            if self.title().await.starts_with(title) {
                return;
            }
            if start.elapsed() > WAIT {
                self.fail(&format!("title never became `{title}…`")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The rendered text of the whole page.
    /// Empty while a page is being replaced by the next.
    pub async fn body_text(&self) -> String {
        let Some(body) = self
            .try_find_all("body")
            .await
            .ok()
            .and_then(|f| f.into_iter().next())
        else {
            return String::new();
        };
        self.try_session(
            reqwest::Method::GET,
            &format!("/element/{}/text", body.id),
            None,
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
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

    /// Types `text` into `element` (WebDriver key codes such as [`ENTER`] allowed).
    pub async fn type_into(&self, element: &Element, text: &str) {
        self.session(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.id),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Empties an input.
    pub async fn clear(&self, element: &Element) {
        self.session(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.id),
            None,
        )
        .await;
    }

    /// Clicks `element`; a click that submits a form waits for the next page to load.
    pub async fn click(&self, element: &Element) {
        self.session(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.id),
            None,
        )
        .await;
    }

    /// Finds `css` and clicks it.
    pub async fn click_on(&mut self, css: &str) {
        let e = self.find(css).await;
        self.click(&e).await;
    }

    /// The rendered text of `element`.
    pub async fn text(&self, element: &Element) -> String {
        self.session(
            reqwest::Method::GET,
            &format!("/element/{}/text", element.id),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// An HTML attribute of `element`, as written in the page.
    pub async fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        self.session(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", element.id),
            None,
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// A DOM property of `element` (e.g. `value` of an input, `href` resolved to absolute).
    pub async fn property(&self, element: &Element, name: &str) -> Value {
        self.session(
            reqwest::Method::GET,
            &format!("/element/{}/property/{name}", element.id),
            None,
        )
        .await
    }

    /// The element that has keyboard focus.
    pub async fn focused(&self) -> Element {
        let e = self
            .session(reqwest::Method::GET, "/element/active", None)
            .await;
        Element {
            id: e[ELEMENT].as_str().unwrap().to_owned(),
        }
    }

    /// Presses and releases each key of `keys` in turn on whatever has focus, as a person at a
    /// keyboard would.
    pub async fn press(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                [
                    json!({"type": "keyDown", "value": c.to_string()}),
                    json!({"type": "keyUp", "value": c.to_string()}),
                ]
            })
            .collect();
        self.session(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
        self.session(reqwest::Method::DELETE, "/actions", None)
            .await;
    }

    /// The browser's cookie `name` for the current page (`HttpOnly` ones included): `value`,
    /// `path`, `httpOnly`, `secure`, `sameSite`.
    pub async fn cookie(&self, name: &str) -> Option<Value> {
        let all = self.session(reqwest::Method::GET, "/cookie", None).await;
        all.as_array()?.iter().find(|c| c["name"] == name).cloned()
    }

    /// The page as the browser shows it, saved to `<artifacts>/<name>.png`: the whole page, not
    /// just the 1280×900 viewport.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // Chromium's own full-page capture (through chromedriver's CDP passthrough); the W3C
        // screenshot would stop at the fold.
        let shot = self
            .session(
                reqwest::Method::POST,
                "/goog/cdp/execute",
                Some(json!({
                    "cmd": "Page.captureScreenshot",
                    "params": {"format": "png", "captureBeyondViewport": true}
                })),
            )
            .await;
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

impl Drop for Browser {
    /// Ends the session (Chromium quits with it), then stops chromedriver. Synchronous, so it
    /// also runs when a test panics.
    fn drop(&mut self) {
        if !self.session_id.is_empty() {
            let addr = self.driver_url.trim_start_matches("http://");
            if let Ok(mut stream) = TcpStream::connect(addr) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let request = format!(
                    "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\n\
                     Connection: close\r\n\r\n",
                    self.session_id
                );
                if stream.write_all(request.as_bytes()).is_ok() {
                    let mut reply = Vec::new();
                    let _ = stream.read_to_end(&mut reply);
                }
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
