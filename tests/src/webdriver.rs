//! A small W3C WebDriver client for the browser tests: chromedriver drives Debian's chromium. Blocking
//! (ureq): run it on a blocking thread while the app serves on the test's runtime.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process, killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_program(names: &[&str]) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()).map(|p| p.display().to_string())
    })
}

impl Driver {
    /// Starts chromedriver; fails (never skips) when chromium or chromedriver is missing.
    pub fn start() -> anyhow::Result<Driver> {
        let driver = find_program(&["chromedriver"])
            .context("chromedriver is not installed: `apt-get install chromium chromium-driver` (.ci/run does it)")?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromedriver")?;
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}"), agent };
        let started = Instant::now();
        while driver.get(&format!("{}/status", driver.url)).ok().and_then(|s| s["value"]["ready"].as_bool())
            != Some(true)
        {
            if started.elapsed() > Duration::from_secs(20) {
                bail!("chromedriver did not start");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(driver)
    }

    fn get(&self, url: &str) -> anyhow::Result<Value> {
        Ok(self.agent.get(url).call()?.body_mut().read_json()?)
    }

    fn send(&self, method: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.url);
        let mut response = match method {
            "GET" => self.agent.get(&url).call()?,
            "DELETE" => self.agent.delete(&url).call()?,
            _ => self.agent.post(&url).send_json(body)?,
        };
        let status = response.status();
        let value: Value = response.body_mut().read_json()?;
        if !status.is_success() {
            bail!("webdriver {method} {path}: {status} {}", value["value"]);
        }
        Ok(value["value"].clone())
    }

    /// A headless chromium with a phone's viewport (CSS pixels).
    pub fn browser(&self, width: u32, height: u32) -> anyhow::Result<Browser<'_>> {
        let binary = find_program(&["chromium", "chromium-browser", "google-chrome"])
            .context("chromium is not installed: `apt-get install chromium chromium-driver` (.ci/run does it)")?;
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--lang=sv-SE", format!("--window-size={width},{height}")],
                "prefs": {"intl.accept_languages": "sv-SE,sv"},
                "mobileEmulation": {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": true}}
            }
        }}});
        let session = self.send("POST", "/session", &capabilities)?;
        let id = session["sessionId"].as_str().context("no session id")?.to_owned();
        let browser = Browser { driver: self, id };
        browser.command("POST", "/timeouts", &json!({"script": 60_000, "implicit": 0}))?;
        Ok(browser)
    }
}

/// One browser session.
pub struct Browser<'a> {
    driver: &'a Driver,
    id: String,
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let _ = self.driver.send("DELETE", &format!("/session/{}", self.id), &Value::Null);
    }
}

impl Browser<'_> {
    fn command(&self, method: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.driver.send(method, &format!("/session/{}{path}", self.id), body)
    }

    pub fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.command("POST", "/url", &json!({"url": url})).map(drop)
    }

    pub fn current_url(&self) -> anyhow::Result<String> {
        Ok(self.command("GET", "/url", &Value::Null)?.as_str().unwrap_or_default().to_owned())
    }

    /// The element matching a CSS selector, waiting up to 10 s for it to appear.
    pub fn find(&self, css: &str) -> anyhow::Result<String> {
        let started = Instant::now();
        loop {
            match self.command("POST", "/element", &json!({"using": "css selector", "value": css})) {
                Ok(found) => return Ok(found[ELEMENT].as_str().context("no element id")?.to_owned()),
                Err(error) if started.elapsed() > Duration::from_secs(10) => {
                    return Err(error.context(format!("no element {css}")));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    pub fn click(&self, css: &str) -> anyhow::Result<()> {
        let element = self.find(css)?;
        self.command("POST", &format!("/element/{element}/click"), &json!({})).map(drop)
    }

    /// Replaces the text of an input.
    pub fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let element = self.find(css)?;
        self.command("POST", &format!("/element/{element}/clear"), &json!({}))?;
        self.command("POST", &format!("/element/{element}/value"), &json!({"text": text})).map(drop)
    }

    /// Types into an element without clearing it first; for an `<input type=file>`, the path of the
    /// file to choose.
    pub fn send_keys(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let element = self.find(css)?;
        self.command("POST", &format!("/element/{element}/value"), &json!({"text": text})).map(drop)
    }

    pub fn text(&self, css: &str) -> anyhow::Result<String> {
        let element = self.find(css)?;
        Ok(self.command("GET", &format!("/element/{element}/text"), &Value::Null)?.as_str().unwrap_or_default().into())
    }

    /// Waits up to 10 s until the element's text contains `wanted`.
    pub fn wait_for_text(&self, css: &str, wanted: &str) -> anyhow::Result<String> {
        let started = Instant::now();
        loop {
            let text = self.text(css).unwrap_or_default();
            if text.contains(wanted) {
                return Ok(text);
            }
            if started.elapsed() > Duration::from_secs(10) {
                bail!("{css} says {text:?}, not {wanted:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn execute(&self, script: &str, args: Value) -> anyhow::Result<Value> {
        self.command("POST", "/execute/sync", &json!({"script": script, "args": args}))
    }

    pub fn execute_async(&self, script: &str, args: Value) -> anyhow::Result<Value> {
        self.command("POST", "/execute/async", &json!({"script": script, "args": args}))
    }

    /// The value of one of the page's cookies (HttpOnly ones too), if set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let cookie = self.command("GET", &format!("/cookie/{name}"), &Value::Null).ok()?;
        cookie["value"].as_str().map(str::to_owned)
    }

    /// Deletes the cookies of the current page's host (every port: a provider's and the app's).
    pub fn delete_cookies(&self) -> anyhow::Result<()> {
        self.command("DELETE", "/cookie", &Value::Null).map(drop)
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> anyhow::Result<Vec<u8>> {
        use base64::Engine;
        let encoded = self.command("GET", "/screenshot", &Value::Null)?;
        Ok(base64::engine::general_purpose::STANDARD.decode(encoded.as_str().context("no screenshot")?)?)
    }

    /// Runs axe-core (from `tests/browser/node_modules`, installed by `npm ci`) on the page; returns
    /// the WCAG 2.1 A/AA violations as `rule: nodes` lines.
    pub fn axe_violations(&self) -> anyhow::Result<Vec<String>> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/browser/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(path)
            .with_context(|| format!("{path} is missing: run `npm ci` in tests/browser (.ci/run does it)"))?;
        // Injected through WebDriver, which the page's Content-Security-Policy does not govern.
        self.execute(&format!("{source}\nreturn typeof window.axe;"), json!([]))?;
        let result = self.execute_async(
            "const done = arguments[arguments.length - 1];
             window.axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' — ' +
                   v.nodes.map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            json!([]),
        )?;
        Ok(result
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default())
    }
}
