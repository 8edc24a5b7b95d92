//! One personal-data key everywhere: a process with another key, or with none where the
//! database already holds personal data, refuses to start instead of writing what nobody
//! can read or inserting people again.

use crate::common::{demo_copy, TEST_PII_KEY};
use sanshe_app::config::{Secret, Settings};
use sanshe_app::App;

fn settings(url: &str, dir: &std::path::Path, key: Option<&str>, prev: Option<&str>) -> Settings {
    Settings {
        database_url: Secret::new(url),
        data_dir: dir.to_owned(),
        pii_key: key.map(Secret::new),
        pii_previous_key: prev.map(Secret::new),
        ..Settings::default()
    }
}

#[tokio::test]
async fn one_key_everywhere() {
    let url = demo_copy().await;
    let dir = std::env::temp_dir().join("sanshe-tests").join(format!(
        "keys_{}",
        sanshe_app::security::random_hex(4).unwrap()
    ));
    let other = "11".repeat(32);
    let e = App::open(settings(&url, &dir, Some(&other), None))
        .await
        .err()
        .expect("another key is refused");
    assert!(
        e.to_string()
            .contains("not the one this database was written with"),
        "{e}"
    );
    // From another directory, with no key configured: refused, and no new key file.
    let e = App::open(settings(&url, &dir, None, None))
        .await
        .err()
        .expect("a missing key is refused");
    assert!(e.to_string().contains("no personal-data key"), "{e}");
    assert!(!dir.join("pii.key").exists());
    // The database's own key opens it.
    App::open(settings(&url, &dir, Some(TEST_PII_KEY), None))
        .await
        .expect("the right key");
    // A rotation: the new key with the old one as previous is accepted, then on its own.
    let new = "22".repeat(32);
    App::open(settings(&url, &dir, Some(&new), Some(TEST_PII_KEY)))
        .await
        .expect("rotation");
    App::open(settings(&url, &dir, Some(&new), None))
        .await
        .expect("the new key is now recorded");
}
