//! Time zones for the pages (`[[user]] timezone = "Europe/Berlin"`): the
//! system's tz database (`/usr/share/zoneinfo`, Debian's `tzdata`) read
//! by a small TZif reader (RFC 8536): the version 2+ 64-bit transitions,
//! their UTC offsets and abbreviations, and for times after the last
//! transition the footer's POSIX TZ rule (`CET-1CEST,M3.5.0,M10.5.0/3`).
//! No date-time crate: this is all the pages need (a UTC instant shown in
//! a user's zone), and the input is capped and checked like any other.

use std::path::Path;

use kernel::message::Timestamp;

/// The largest TZif file we read (the biggest in tzdata are ~4 KB).
const MAX_FILE: u64 = 64 * 1024;

/// A zone: its transitions and what applies between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub name: String,
    /// (Unix seconds from which, index into `types`), ascending.
    transitions: Vec<(i64, usize)>,
    /// (UTC offset in seconds, abbreviation).
    types: Vec<(i32, String)>,
    /// After the last transition.
    rule: Option<PosixRule>,
}

/// A POSIX TZ rule with `M` (month, week, weekday) dates, the only kind
/// tzdata's footers use for daylight saving time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PosixRule {
    std: (i32, String),
    dst: Option<((i32, String), MonthRule, MonthRule)>,
}

/// `Mm.w.d/time`: weekday `d` of week `w` (5: the last) of month `m`, at
/// local `time` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MonthRule {
    month: u32,
    week: u32,
    weekday: u32,
    time: i32,
}

impl Zone {
    /// Zone `name` from the system's tz database. Names are checked: no
    /// `..`, nothing absolute, only the characters tzdata uses.
    pub fn load(name: &str) -> Result<Zone, String> {
        Zone::load_from(Path::new("/usr/share/zoneinfo"), name)
    }

    pub fn load_from(dir: &Path, name: &str) -> Result<Zone, String> {
        let ok = !name.is_empty()
            && !name.starts_with('/')
            && !name
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c));
        if !ok {
            return Err(format!(
                "{name:?} is not a time zone name (e.g. Europe/Berlin)"
            ));
        }
        let path = dir.join(name);
        let meta = std::fs::metadata(&path).map_err(|e| format!("time zone {name}: {e}"))?;
        if !meta.is_file() || meta.len() > MAX_FILE {
            return Err(format!("time zone {name}: not a zone file"));
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("time zone {name}: {e}"))?;
        Zone::parse(name, &bytes).ok_or_else(|| format!("time zone {name}: not a TZif file"))
    }

    /// A TZif file (version 2 or later; version 1 files are not shipped
    /// any more).
    pub fn parse(name: &str, b: &[u8]) -> Option<Zone> {
        let header = |at: usize| -> Option<(u8, [usize; 6])> {
            let h = b.get(at..at + 44)?;
            if &h[..4] != b"TZif" {
                return None;
            }
            let mut n = [0usize; 6];
            for (i, c) in n.iter_mut().enumerate() {
                let v = h.get(20 + 4 * i..24 + 4 * i)?;
                *c = u32::from_be_bytes(v.try_into().ok()?) as usize;
            }
            Some((h[4], n))
        };
        // Counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
        let (version, [isut, isstd, leap, time, typ, chars]) = header(0)?;
        if version < b'2' {
            return None;
        }
        let v1 = time * 5 + typ * 6 + chars + leap * 8 + isstd + isut;
        let at = 44 + v1;
        let (_, [isut, isstd, leap, time, typ, chars]) = header(at)?;
        let mut p = at + 44;
        let mut take = |n: usize| -> Option<&[u8]> {
            let s = b.get(p..p.checked_add(n)?)?;
            p += n;
            Some(s)
        };
        let times = take(time.checked_mul(8)?)?;
        let idx = take(time)?;
        let ttinfo = take(typ.checked_mul(6)?)?;
        let abbrs = take(chars)?;
        take(leap.checked_mul(12)? + isstd + isut)?;
        let footer = b.get(p..).unwrap_or(&[]);
        let mut types = Vec::with_capacity(typ);
        for t in ttinfo.chunks_exact(6) {
            let off = i32::from_be_bytes(t[..4].try_into().ok()?);
            let a = abbrs.get(t[5] as usize..)?;
            let end = a.iter().position(|&c| c == 0).unwrap_or(a.len());
            types.push((off, String::from_utf8_lossy(&a[..end]).into_owned()));
        }
        let mut transitions = Vec::with_capacity(time);
        for (t, &i) in times.chunks_exact(8).zip(idx) {
            let at = i64::from_be_bytes(t.try_into().ok()?);
            if (i as usize) >= types.len() {
                return None;
            }
            transitions.push((at, i as usize));
        }
        if types.is_empty() {
            return None;
        }
        let rule = std::str::from_utf8(footer)
            .ok()
            .map(|f| f.trim_matches('\n'))
            .and_then(PosixRule::parse);
        Some(Zone {
            name: name.to_string(),
            transitions,
            types,
            rule,
        })
    }

    /// The UTC offset (seconds) and abbreviation at `unix` seconds.
    pub fn offset_at(&self, unix: i64) -> (i32, &str) {
        let after_last = self.transitions.last().is_none_or(|&(t, _)| unix >= t);
        if after_last {
            if let Some(r) = &self.rule {
                let (off, abbr) = r.offset_at(unix);
                return (off, abbr);
            }
        }
        let i = match self.transitions.partition_point(|&(t, _)| t <= unix) {
            // Before the first transition: the first standard type.
            0 => 0,
            n => self.transitions[n - 1].1,
        };
        let (off, abbr) = &self.types[i];
        (*off, abbr)
    }

    /// `2026-11-27 21:26 CET`.
    pub fn short_time(&self, t: Timestamp) -> String {
        let unix = (t.0 / 1000) as i64;
        let (off, abbr) = self.offset_at(unix);
        let local = Timestamp(((unix + i64::from(off)).max(0) as u64) * 1000);
        format!("{} {abbr}", crate::journal::short_time(local))
    }
}

/// `<+0330>` or `CET`, then an offset `[+-]hh[:mm[:ss]]` (POSIX: west is
/// positive, so the UTC offset is its negation).
fn name_and_offset(s: &str) -> Option<((i32, String), &str)> {
    let (name, rest) = if let Some(r) = s.strip_prefix('<') {
        let end = r.find('>')?;
        (&r[..end], &r[end + 1..])
    } else {
        let end = s
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(s.len());
        (&s[..end], &s[end..])
    };
    if name.len() < 3 {
        return None;
    }
    let (secs, rest) = match hms(rest) {
        Some(v) => v,
        None => return Some(((0, name.to_string()), rest)),
    };
    Some(((-secs, name.to_string()), rest))
}

/// `[+-]hh[:mm[:ss]]` at the start of `s`: seconds and the rest.
fn hms(s: &str) -> Option<(i32, &str)> {
    let (sign, s) = match s.as_bytes().first() {
        Some(b'-') => (-1, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    };
    let end = s
        .find(|c: char| !c.is_ascii_digit() && c != ':')
        .unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    let mut secs = 0i32;
    for (i, part) in s[..end].split(':').enumerate().take(3) {
        let v: i32 = part.parse().ok()?;
        secs += v * [3600, 60, 1][i];
    }
    Some((sign * secs, &s[end..]))
}

impl MonthRule {
    fn parse(s: &str) -> Option<MonthRule> {
        let s = s.strip_prefix('M')?;
        let (date, time) = match s.split_once('/') {
            Some((d, t)) => (d, hms(t)?.0),
            None => (s, 7200),
        };
        let mut it = date.split('.').map(|v| v.parse::<u32>().ok());
        let (month, week, weekday) = (it.next()??, it.next()??, it.next()??);
        ((1..=12).contains(&month) && (1..=5).contains(&week) && weekday <= 6).then_some(
            MonthRule {
                month,
                week,
                weekday,
                time,
            },
        )
    }

    /// Local seconds since the epoch of this rule's moment in `year`.
    fn local_secs(&self, year: i64) -> i64 {
        let first = days_from_civil(year, self.month, 1);
        // 1970-01-01 was a Thursday (4).
        let wd_first = (first + 4).rem_euclid(7) as u32;
        let mut day = 1 + (self.weekday + 7 - wd_first) % 7 + 7 * (self.week - 1);
        let len = days_in_month(year, self.month);
        while day > len {
            day -= 7;
        }
        (first + i64::from(day) - 1) * 86_400 + i64::from(self.time)
    }
}

impl PosixRule {
    fn parse(s: &str) -> Option<PosixRule> {
        let (std, rest) = name_and_offset(s)?;
        if rest.is_empty() {
            return Some(PosixRule { std, dst: None });
        }
        let (mut dst, rest) = name_and_offset(rest)?;
        if !rest.starts_with(',')
            && rest.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-')
        {
            return None;
        }
        if dst.0 == 0 {
            // No DST offset given: an hour ahead of standard time.
            dst.0 = std.0 + 3600;
        }
        let mut parts = rest.strip_prefix(',')?.split(',');
        let start = MonthRule::parse(parts.next()?)?;
        let end = MonthRule::parse(parts.next()?)?;
        Some(PosixRule {
            std,
            dst: Some((dst, start, end)),
        })
    }

    fn offset_at(&self, unix: i64) -> (i32, &str) {
        let Some(((dst_off, dst_name), start, end)) = &self.dst else {
            return (self.std.0, &self.std.1);
        };
        let (std_off, std_name) = (&self.std.0, &self.std.1);
        let year = civil_year(unix + i64::from(*std_off));
        // Start is given in standard time, end in daylight time.
        let begins = start.local_secs(year) - i64::from(*std_off);
        let ends = end.local_secs(year) - i64::from(*dst_off);
        let in_dst = if begins < ends {
            unix >= begins && unix < ends
        } else {
            // Southern hemisphere: DST spans the new year.
            unix >= begins || unix < ends
        };
        if in_dst {
            (*dst_off, dst_name)
        } else {
            (*std_off, std_name)
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_year(unix: i64) -> i64 {
    let mut y = 1970 + unix.div_euclid(31_556_952);
    while days_from_civil(y, 1, 1) * 86_400 > unix {
        y -= 1;
    }
    while days_from_civil(y + 1, 1, 1) * 86_400 <= unix {
        y += 1;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_rules_give_summer_and_winter_time() {
        let r = PosixRule::parse("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        // 2040-07-01T12:00Z: summer; 2040-01-15T12:00Z: winter.
        let july = days_from_civil(2040, 7, 1) * 86_400 + 43_200;
        let jan = days_from_civil(2040, 1, 15) * 86_400 + 43_200;
        assert_eq!(r.offset_at(july), (7200, "CEST"));
        assert_eq!(r.offset_at(jan), (3600, "CET"));
        // 2040-03-25 is the last Sunday of March: 01:00Z is the change.
        let change = days_from_civil(2040, 3, 25) * 86_400 + 3600;
        assert_eq!(r.offset_at(change - 1).1, "CET");
        assert_eq!(r.offset_at(change).1, "CEST");
        let south = PosixRule::parse("AEST-10AEDT,M10.1.0,M4.1.0/3").unwrap();
        assert_eq!(south.offset_at(jan), (39_600, "AEDT"));
        assert_eq!(south.offset_at(july), (36_000, "AEST"));
        let fixed = PosixRule::parse("<+0530>-5:30").unwrap();
        assert_eq!(fixed.offset_at(july), (19_800, "+0530"));
        assert!(PosixRule::parse("X").is_none());
    }

    #[test]
    fn bad_names_never_reach_the_file_system() {
        for bad in [
            "",
            "/etc/passwd",
            "../../etc/passwd",
            "Europe/../x",
            "Europe//Berlin",
            "a b",
        ] {
            assert!(
                Zone::load(bad)
                    .unwrap_err()
                    .contains("not a time zone name"),
                "{bad}"
            );
        }
        assert!(Zone::parse("x", b"TZif2 short").is_none());
    }

    #[test]
    fn the_systems_zones_read_as_tzdata_says() {
        // 2026-11-27T20:26:41Z and 2026-07-01T10:00:00Z.
        let winter = Timestamp(1_795_811_201_000);
        let summer = Timestamp((days_from_civil(2026, 7, 1) * 86_400 + 36_000) as u64 * 1000);
        let berlin = Zone::load("Europe/Berlin").expect("tzdata is installed");
        assert_eq!(berlin.short_time(winter), "2026-11-27 21:26 CET");
        assert_eq!(berlin.short_time(summer), "2026-07-01 12:00 CEST");
        let ny = Zone::load("America/New_York").unwrap();
        assert_eq!(ny.short_time(winter), "2026-11-27 15:26 EST");
        assert_eq!(ny.short_time(summer), "2026-07-01 06:00 EDT");
        // Beyond the table (2037): the footer's rule.
        let later = Timestamp((days_from_civil(2050, 7, 1) * 86_400) as u64 * 1000);
        assert_eq!(berlin.short_time(later), "2050-07-01 02:00 CEST");
        let kolkata = Zone::load("Asia/Kolkata").unwrap();
        assert_eq!(kolkata.short_time(winter), "2026-11-28 01:56 IST");
        assert_eq!(
            Zone::load("UTC").unwrap().short_time(winter),
            "2026-11-27 20:26 UTC"
        );
        assert!(Zone::load("Mars/Olympus").is_err());
    }
}
