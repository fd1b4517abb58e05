//! Where the noisy line's bursts fell on a page sent without ECM, and
//! what HylaFAX stored of it (`ums_sends_two_pages_without_ecm_over_a_noisy_line`).

use std::path::Path;

use fax_t30::page::BilevelPage;
use test_kit::iaxmodem;

/// HylaFAX's pages `got` differ from `sent` in some rows (the noise did
/// damage: at least one bad row), and each stretch of damage starts where
/// a burst hit the page's data: a burst `packet` 20 ms packets into page
/// `p`'s carrier (the `p`th long carrier: one a page without ECM) fell on
/// octet `(packet × 20 ms − training) × bit rate / 8` of the page's code,
/// in row [`row_at_octet`] of it; damage may start from [`BEFORE_BURST`]
/// rows before that row to [`AFTER_BURST`] rows after it, and covers at most
/// [`DAMAGE_MAX`] rows; 3/4 of the stretches start within [`BEFORE_BURST`]
/// rows of a burst's row, and fewer than 1/4 within as many rows of a decoy
/// (a burst moved by half their spacing: the control that the mapping, not
/// chance, lines the damage up). Everything else arrived row for row as we sent it.
pub fn bad_rows_only_in_bursts(
    sent: &[BilevelPage],
    got: &Path,
    bursts: &[iaxmodem::Burst],
    bps: u32,
) {
    let pages = fax_t30::tiff::read_tiff_file(got).unwrap();
    assert_eq!(pages.len(), sent.len());
    assert!(
        !bursts.is_empty(),
        "the noisy line put no noise on the call"
    );
    // The training time below is V.17's (no train-down: no RTN).
    assert_eq!(bps, 14400, "the pages went at {bps} bit/s");
    // Without ECM each page is one carrier: the long carriers are the pages.
    let carriers = bursts.iter().map(|b| b.carrier).max().unwrap_or(0);
    assert_eq!(carriers as usize, sent.len(), "long carriers: {bursts:?}");
    let (mut stretches, mut on_burst, mut on_decoy, mut hit, mut rows) = (0, 0, 0, 0, 0);
    for (i, (tiff, sent)) in pages.iter().zip(sent).enumerate() {
        let page = tiff.decode().unwrap();
        assert_eq!(page.width, sent.width, "page {}", i + 1);
        // The rows being sent when each burst of this page began.
        let code = tiff.compression;
        eprintln!("page {}: {code}", i + 1);
        let rows_at = |shift_ms: u64| -> Vec<u32> {
            bursts
                .iter()
                .filter(|b| b.carrier == i as u32 + 1)
                .map(|b| {
                    let ms =
                        (u64::from(b.packet) * 20 + shift_ms).saturating_sub(V17_SHORT_TRAIN_MS);
                    row_at_octet(sent, code, ms * u64::from(bps) / 8000)
                })
                .collect()
        };
        let at_burst = rows_at(0);
        // The control: the same with the bursts moved by half their
        // spacing, where no noise was.
        let decoys = rows_at(u64::from(iaxmodem::NoisyLine::EVERY) * 10);
        // Rows a burst garbles may enclose a few that came through.
        let mut stretch: Vec<(u32, u32)> = Vec::new();
        for (at, len) in damage(sent, &page) {
            match stretch.last_mut() {
                Some(last) if at <= last.0 + last.1 + 5 => last.1 = at + len - last.0,
                _ => stretch.push((at, len)),
            }
        }
        eprintln!("page {}: damage (row, rows): {stretch:?}", i + 1);
        eprintln!("page {}: bursts at rows {at_burst:?}", i + 1);
        for &(at, len) in &stretch {
            // Rows after the last burst that began at most BEFORE_BURST
            // rows after the stretch did.
            let after = at_burst
                .iter()
                .filter(|&&b| b <= at + BEFORE_BURST)
                .map(|&b| at.saturating_sub(b))
                .min();
            assert!(
                after.is_some_and(|a| a <= AFTER_BURST),
                "page {}: damage from row {at} ({len} rows), {after:?} rows after a burst; \
                 bursts at rows {at_burst:?}",
                i + 1
            );
            assert!(
                len <= DAMAGE_MAX,
                "page {}: {len} rows from row {at} lost or garbled",
                i + 1
            );
            stretches += 1;
            on_burst += u32::from(after.is_some_and(|a| a <= BEFORE_BURST));
            on_decoy += u32::from(decoys.iter().any(|&d| at.abs_diff(d) <= BEFORE_BURST));
            hit += len;
        }
        rows += sent.rows;
    }
    eprintln!(
        "{} noise bursts; {stretches} stretches of damage ({on_burst} on a burst's row, \
         {on_decoy} on a decoy's), {hit} of {rows} rows",
        bursts.len()
    );
    // Most damage starts on the row the burst hit (give or take the
    // relay's 20 ms): the timing above is right, and not just loose.
    assert!(
        on_burst * 4 >= stretches * 3,
        "only {on_burst} of {stretches} stretches start on a burst's row"
    );
    // ...and not just anywhere: half a spacing away from the bursts,
    // where no noise was, damage rarely starts (none seen).
    assert!(
        on_decoy * 4 < stretches,
        "{on_decoy} of {stretches} stretches start half-way between bursts"
    );
    // Noise of 12 dB SNR on V.17 garbles rows: a page without any bad row
    // would mean the comparison sees nothing.
    assert!(hit > 0, "no bad row from {} bursts", bursts.len());
}

/// V.17's short training (T.30 trains short for the pages after TCF: our
/// `+FTM=146`): segments 1–4 of 256 + 38 + 64 + 48 symbols at 2400 baud,
/// before the first bit of the page.
const V17_SHORT_TRAIN_MS: u64 = 169;

/// Damage may start this many rows before the row a burst hit (a 20 ms
/// packet, the relay's resolution, is about a row of the test pattern at
/// 14400 bit/s; and noise on a row's EOL garbles the row before); most
/// stretches start within this many rows of a burst's row either side...
const BEFORE_BURST: u32 = 2;

/// ...and none more than this many after one: a burst throws the far
/// modem's demodulator (equaliser, trellis) out, and it may err again as it
/// settles (seen up to 16 rows, about 0.4 s, later). The bursts come every
/// 0.5 s (15–30 rows), so this bounds the damage to the bursts' wake, not
/// to anywhere on the page.
const AFTER_BURST: u32 = 20;

/// The row of `page` whose code (in `code`, as [`fax_t30::codec::encode`]
/// makes it) holds octet `octet`: the code of the first `r` rows, by
/// bisection (MR's K cycle starts at row 0, so a prefix's code is the
/// page's code up to its terminator).
fn row_at_octet(page: &BilevelPage, code: fax_t30::codec::Compression, octet: u64) -> u32 {
    let stride = page.stride();
    let len = |r: u32| {
        let rows = page.data()[..r as usize * stride].to_vec();
        let prefix = BilevelPage::from_packed(page.width, r, page.resolution, rows).unwrap();
        // Less the terminator (RTC), whose length does not depend on r.
        fax_t30::codec::encode(&prefix, code).len() as u64
    };
    let rtc = len(0);
    let (mut lo, mut hi) = (0, page.rows);
    // The last r whose first r rows end at or before the octet.
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if len(mid) - rtc <= octet {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// The most rows one stretch of damage may cover: a burst throws the far
/// modem's demodulator out of step for a while (up to a second of page
/// data here, about 40 rows of the test pattern at 14400 bit/s), and MR
/// (K up to 4) carries an error on to the next 1-D row.
const DAMAGE_MAX: u32 = 64;

/// The stretches of `sent` that `got` lost or garbled, as (first row of
/// `sent`, rows), from the alignment of the two pages' rows with the
/// fewest edits (a row of ours garbled, a row of ours lost, a row that is
/// not ours, as a false EOL splits a row in two): the rows of ours not
/// matched by an equal row of `got`. A greedy walk that took the nearest
/// equal row went astray on this page's tables (a rule every 16 rows,
/// blank rows between): after 7 rows lost it matched blank rows to blank
/// rows 7 rows off and called the next lines of text damaged. Where the
/// fewest edits can be placed in several ways (lost rows in a blank
/// stretch), they go as late as they can: into the wake of the burst
/// that caused them, not ahead of it.
fn damage(sent: &BilevelPage, got: &BilevelPage) -> Vec<(u32, u32)> {
    let (n, m) = (sent.rows as usize, got.rows as usize);
    // The pages' rows drift apart by at most this many rows.
    let band = 4 * DAMAGE_MAX as usize + n.abs_diff(m);
    let inside = |i: usize, j: usize| i.abs_diff(j) <= band;
    const FAR: u32 = u32::MAX / 2;
    // cost[i][j]: fewest edits turning our first i rows into its first j.
    let mut cost = vec![vec![FAR; m + 1]; n + 1];
    for i in 0..=n {
        for j in 0..=m {
            if !inside(i, j) {
                continue;
            }
            cost[i][j] = if i == 0 || j == 0 {
                (i + j) as u32
            } else {
                let diag =
                    cost[i - 1][j - 1] + u32::from(sent.row(i as u32 - 1) != got.row(j as u32 - 1));
                diag.min(cost[i - 1][j] + 1).min(cost[i][j - 1] + 1)
            };
        }
    }
    // Back from the end; a tie takes an edit first, which leaves the
    // edit's place as late in the page as it can be.
    let mut bad = vec![false; n];
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let here = cost[i][j];
        if i > 0 && cost[i - 1][j] + 1 == here {
            // Our row i-1 lost.
            bad[i - 1] = true;
            i -= 1;
        } else if j > 0 && cost[i][j - 1] + 1 == here {
            // A row of its that is not ours: damage at our next row.
            if i < n {
                bad[i] = true;
            }
            j -= 1;
        } else {
            // Our row i-1 arrived as its row j-1, equal or garbled.
            bad[i - 1] |= sent.row(i as u32 - 1) != got.row(j as u32 - 1);
            i -= 1;
            j -= 1;
        }
    }
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (r, _) in bad.iter().enumerate().filter(|(_, b)| **b) {
        let r = r as u32;
        match out.last_mut() {
            Some(last) if last.0 + last.1 == r => last.1 += 1,
            _ => out.push((r, 1)),
        }
    }
    out
}
