//! Checks shared by the document tests, using poppler, qpdf and zbar when installed.

use std::path::PathBuf;
use std::process::Command;

pub const NAMES: [&str; 3] = [
    "Σωκράτης Παπαδόπουλος",
    "Jan Łukasiewicz-Wójcik",
    "Пётр Ильич Чайковский",
];

/// Whether `tool` is on PATH. A missing tool skips its check with a note, unless
/// `TEST_REQUIRE_TOOLS=1` (as in CI), where it fails the test.
pub fn have(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()));
    if !found {
        assert!(
            std::env::var("TEST_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{tool} is required (TEST_REQUIRE_TOOLS=1) but not installed"
        );
        eprintln!("note: {tool} is not installed; skipping that check");
    }
    found
}

/// Writes `pdf` into a fresh temporary directory, which lives as long as the guard.
pub fn write_temp(pdf: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("invigilator-pdf-")
        .tempdir_in(std::env::temp_dir())
        .expect("a temporary directory");
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).expect("the PDF written");
    (dir, path)
}

/// Prints the first (font-parsing) and the mean later render time of `render`. Run with
/// `cargo test --release --lib pdf -- --ignored --nocapture`.
pub fn time_renders(what: &str, render: impl Fn() -> Vec<u8>) {
    let start = std::time::Instant::now();
    let size = render().len();
    let first = start.elapsed();
    let runs: u32 = 100;
    let start = std::time::Instant::now();
    for _ in 0..runs {
        std::hint::black_box(render());
    }
    let mean = start.elapsed() / runs;
    println!("{what}: {size} bytes; first render {first:?}, then {mean:?} each");
}

/// Runs a checker and returns its standard output, failing the test if it fails.
pub fn run(command: &mut Command) -> String {
    let output = command.output().expect("the checker runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Size, structure (qpdf) and extractable text (pdftotext); returns the text if checked.
pub fn check_pdf(pdf: &[u8], expected: &[&str]) -> Option<String> {
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 100_000, "PDF is {} bytes", pdf.len());
    let (_dir, path) = write_temp(pdf);
    if have("qpdf") {
        run(Command::new("qpdf").arg("--check").arg(&path));
    }
    if !have("pdftotext") {
        return None;
    }
    let text = run(Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-"));
    for wanted in expected {
        assert!(text.contains(wanted), "{wanted:?} not found in:\n{text}");
    }
    Some(text)
}
