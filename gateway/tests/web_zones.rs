//! Dates in the user's time zone (`[[user]] timezone`): the journal, the
//! message page and its attempts in the zone with its abbreviation; a
//! user without one reads UTC.

mod web_harness;

use std::sync::Arc;

use gateway::web::zone::Zone;
use web_harness::{Web, T0};

#[tokio::test]
async fn each_user_reads_times_in_their_zone() {
    let web = Web::start("web-zones");
    let zones = [("alice", "Europe/Berlin"), ("olga", "America/New_York")]
        .into_iter()
        .map(|(u, z)| (u.to_string(), Arc::new(Zone::load(z).unwrap())))
        .collect();
    web.ctx.set_zones(zones);
    // T0 is 2026-11-27T20:26:41Z.
    let mut m = web.outgoing_fax("alice", "+49301111", 1, T0);
    m.begin_attempt(1, "loop/100", 1, T0.plus_secs(60));
    let id = web.add(m);

    let alice = web.login("alice").await;
    let journal = web.get("/journal", &alice).await.text();
    assert!(journal.contains("Time (Europe/Berlin)"), "{journal}");
    assert!(journal.contains("2026-11-27 21:26 CET"), "{journal}");
    let page = web.get(&format!("/messages/{id}"), &alice).await.text();
    assert!(page.contains("2026-11-27 21:26 CET"), "created: {page}");
    assert!(page.contains("2026-11-27 21:27 CET"), "the attempt: {page}");

    let olga = web.login("olga").await;
    let journal = web.get("/journal", &olga).await.text();
    assert!(journal.contains("Time (America/New_York)"));
    assert!(journal.contains("2026-11-27 15:26 EST"), "{journal}");

    // No zone: UTC, said in the column head.
    let bob_sees = web.get("/journal", &web.login("adam").await).await.text();
    assert!(bob_sees.contains("Time (UTC)"), "{bob_sees}");
    assert!(bob_sees.contains("2026-11-27 20:26<"), "{bob_sees}");
}
