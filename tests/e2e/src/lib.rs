//! Harness for the end-to-end tests. scripts/test.sh provides the environment: a
//! private D-Bus session with an unlocked gnome-keyring (the real Secret Service),
//! an Xvfb display, tauri-driver on 127.0.0.1:4444, and the paths of the built
//! binaries in `UKETSUKE_APP` / `UKETSUKE_CLI`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use chrono::NaiveDate;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use uketsuke_core::{eligibility, Programme, Session};
use uketsuke_demo::{DemoConfig, DemoResident};

pub const DEMO_RESIDENTS: usize = 400;

pub fn env_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/test.sh")))
}

/// A data directory with a demo store made by `uketsuke-cli demo` (same seed as the app).
pub struct Venue {
    pub dir: tempfile::TempDir,
    pub cfg: DemoConfig,
}

impl Venue {
    pub fn new() -> Venue {
        fresh_webview_storage();
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env_path("UKETSUKE_CLI"))
            .args(["demo", "--residents", &DEMO_RESIDENTS.to_string(), "--data-dir"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "uketsuke-cli demo failed: {}", String::from_utf8_lossy(&out.stderr));
        let today = uketsuke_demo_today();
        Venue { dir, cfg: DemoConfig { seed: uketsuke_api::demo::DEFAULT_SEED, residents: DEMO_RESIDENTS, today } }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The session the window selects by default: the first one today, in list order.
    pub fn default_session(&self) -> (Session, Vec<Programme>) {
        let cat = uketsuke_demo::catalog(&self.cfg);
        let venue_name = |id: &str| cat.venues.iter().find(|v| v.venue_id == id).unwrap().name.clone();
        let mut today: Vec<Session> = cat.sessions.iter().filter(|s| s.date == self.cfg.today).cloned().collect();
        today.sort_by(|a, b| {
            (a.start_time.clone(), venue_name(&a.venue_id)).cmp(&(b.start_time.clone(), venue_name(&b.venue_id)))
        });
        let s = today.into_iter().next().expect("a demo session today");
        let programmes = cat.programmes.into_iter().filter(|p| s.programmes.contains(&p.code)).collect();
        (s, programmes)
    }

    /// Standard-copay residents eligible, without warnings, for at least one programme
    /// of the default session.
    pub fn eligible_residents(&self) -> Vec<DemoResident> {
        let (s, programmes) = self.default_session();
        uketsuke_demo::residents(&self.cfg)
            .filter(|d| !d.resident.dv_support && d.resident.copay_category == uketsuke_core::CopayCategory::Standard)
            .filter(|d| programmes.iter().any(|p| eligibility::check(&d.resident, p, s.date, &d.history).is_eligible()))
            .collect()
    }
}

impl Default for Venue {
    fn default() -> Self {
        Venue::new()
    }
}

/// Each test starts like a first start: no webview storage (e.g. a remembered language)
/// from an earlier test. Only inside the harness, whose XDG_DATA_HOME is a private
/// temporary directory (scripts/test.sh); never a person's own data.
fn fresh_webview_storage() {
    if let Ok(data) = std::env::var("XDG_DATA_HOME") {
        if std::env::var_os("UKETSUKE_E2E_ARTIFACTS").is_some() {
            let _ = std::fs::remove_dir_all(Path::new(&data).join("jp.uketsuke.terminal"));
        }
    }
}

/// The business date the app and the CLI use (JST).
pub fn uketsuke_demo_today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

/// One app window, driven through WebDriver.
pub struct Window {
    pub client: Client,
}

impl Window {
    pub async fn open(venue: &Venue) -> Window {
        Window::open_dir(venue.path(), "http://127.0.0.1:4444").await
    }

    /// The app on `data_dir`, through the tauri-driver at `driver`.
    pub async fn open_dir(data_dir: &Path, driver: &str) -> Window {
        Window::open_with(data_dir, driver, &[]).await
    }

    /// [`Window::open_dir`] with more command-line arguments for the app.
    pub async fn open_with(data_dir: &Path, driver: &str, extra: &[&str]) -> Window {
        let mut args: Vec<serde_json::Value> =
            vec!["--data-dir".into(), data_dir.to_string_lossy().into_owned().into()];
        args.extend(extra.iter().map(|a| serde_json::Value::from(*a)));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": env_path("UKETSUKE_APP"),
                "args": args,
            }),
        );
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(driver)
            .await
            .unwrap_or_else(|e| panic!("tauri-driver at {driver} (run scripts/test.sh): {e}"));
        Window { client }
    }

    pub async fn wait(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Wait until `css`'s text satisfies `pred`; returns the text.
    pub async fn wait_text(&self, css: &str, pred: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..200 {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if pred(t.trim()) {
                        return t.trim().to_owned();
                    }
                    last = t;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never matched; last text: {last:?}");
    }

    /// Log in through the login form (typed like staff type it) and wait for the
    /// logged-in header. The person's authenticator is their demo software token
    /// in the window's data directory, which the app uses by itself.
    pub async fn login(&self, staff_id: &str, password: &str) {
        self.wait("#login-form").await;
        self.type_in("#login-staff-id", staff_id).await;
        self.type_in("#login-password", password).await;
        self.click("#login-submit").await;
        self.wait("#logout-button").await;
    }

    /// Log in as one of the demo city's staff (S0001–S0003 reception, S0005
    /// supervisor, …) with the demo password and their demo authenticator.
    pub async fn login_demo(&self, staff_id: &str) {
        self.login(staff_id, uketsuke_demo::city::DEMO_PASSWORD).await;
    }

    /// Scroll the element to the middle of its scroll container, then click it.
    pub async fn click(&self, css: &str) {
        let el = self.wait(css).await;
        let arg = serde_json::to_value(&el).unwrap();
        self.client.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg]).await.unwrap();
        el.click().await.unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    pub async fn type_in(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("UKETSUKE_E2E_ARTIFACTS") {
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
        }
    }
}

/// Run `body` in a window on `venue`'s store. The WebDriver session is closed whatever
/// happens (one app per session); a failing body leaves a screenshot `failed-<name>.png`.
pub async fn in_window<F, Fut>(name: &str, venue: &Venue, body: F)
where
    F: FnOnce(Window) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let w = Window::open(venue).await;
    let client = w.client.clone();
    let outcome = tokio::spawn(body(w)).await;
    if outcome.is_err() {
        let shot = Window { client: client.clone() };
        shot.screenshot(&format!("failed-{name}")).await;
    }
    client.close().await.ok();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Every file the app may write: its store directory, and WebKit's data and cache
/// directories for the app (`$XDG_DATA_HOME`/`$XDG_CACHE_HOME`, or their defaults).
pub fn app_written_files(venue: &Venue) -> Vec<PathBuf> {
    let home = PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()));
    let data = std::env::var("XDG_DATA_HOME").map(PathBuf::from).unwrap_or_else(|_| home.join(".local/share"));
    let cache = std::env::var("XDG_CACHE_HOME").map(PathBuf::from).unwrap_or_else(|_| home.join(".cache"));
    let roots = [
        venue.path().to_path_buf(),
        data.join("jp.uketsuke.terminal"),
        cache.join("jp.uketsuke.terminal"),
        cache.join("uketsuke"),
    ];
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = roots.into_iter().filter(|r| r.exists()).collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            files.push(p);
        }
    }
    files
}

/// Panics if any file holds one of `values` readable, as UTF-8 or UTF-16LE.
pub fn assert_no_file_holds(files: &[PathBuf], values: &[&str]) {
    for f in files {
        let bytes = std::fs::read(f).unwrap_or_default();
        for v in values {
            let utf16: Vec<u8> = v.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            for needle in [v.as_bytes(), utf16.as_slice()] {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle), "{} holds {v:?} readable", f.display());
            }
        }
    }
}

/// Full-width katakana → half-width (the way a legacy keyboard setting types it).
/// Test-only: the app itself never converts stored names.
pub fn to_half_width_katakana(s: &str) -> String {
    const PLAIN: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォッャュョー";
    const HALF: &str = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｯｬｭｮｰ";
    const VOICED: &str = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ";
    const VOICED_BASE: &str = "カキクケコサシスセソタチツテトハヒフヘホ";
    const SEMI: &str = "パピプペポ";
    let plain: Vec<char> = PLAIN.chars().collect();
    let half: Vec<char> = HALF.chars().collect();
    let half_of = |c: char| plain.iter().position(|p| *p == c).map(|i| half[i]);
    let mut out = String::new();
    for c in s.chars() {
        if let Some(h) = half_of(c) {
            out.push(h);
        } else if let Some(i) = VOICED.chars().position(|v| v == c) {
            out.push(half_of(VOICED_BASE.chars().nth(i).unwrap()).unwrap());
            out.push('ﾞ');
        } else if let Some(i) = SEMI.chars().position(|v| v == c) {
            out.push(half_of("ハヒフヘホ".chars().nth(i).unwrap()).unwrap());
            out.push('ﾟ');
        } else if c == '\u{3000}' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// A second tauri-driver (the first, on 4444 with WebKitWebDriver on 4445, belongs
/// to scripts/test.sh), so two app windows run side by side.
pub struct Driver(Child);

impl Driver {
    pub async fn start(port: u16, native_port: u16) -> Driver {
        let mut child = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .spawn()
            .expect("tauri-driver on PATH");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Driver(child);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the second tauri-driver did not start");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run the terminal CLI on `dir` and parse its JSON output.
pub fn cli(args: &[&str], dir: &Path) -> serde_json::Value {
    let out = Command::new(env_path("UKETSUKE_CLI")).args(args).arg("--data-dir").arg(dir).output().unwrap();
    assert!(out.status.success(), "uketsuke-cli {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Register terminals on `central` for `sessions`, enroll each with the CLI in a
/// new data directory and run its first sync (the roster must arrive).
pub async fn enroll_terminals(
    central: &uketsuke_synctest::Central,
    names: &[&str],
    sessions: &[String],
) -> Vec<(uuid::Uuid, tempfile::TempDir)> {
    let mut out = Vec::new();
    for name in names {
        let (id, code) = central.new_terminal(name, sessions).await;
        let dir = tempfile::tempdir().unwrap();
        let status = cli(&["enroll", "--server", &central.url(), "--code", &code], dir.path());
        assert_eq!(status["demo_mode"], false);
        // The demo city's staff log in with their software tokens, as central-demo.sh sets up.
        central.give_demo_authenticators(dir.path(), name).await;
        let first = cli(&["sync"], dir.path());
        assert!(first["roster"].as_u64().unwrap() > 0, "{first}");
        out.push((id, dir));
    }
    out
}
