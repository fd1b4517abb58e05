//! Replaying fuzz corpora on a stable toolchain: the seeds of a target
//! (`fuzz/corpus/<target>/`) and random mutations of them, each through the
//! target's own checks (the files in `fuzz/fuzz_targets/*_checks.rs` that
//! the test includes with `#[path]`).

use std::path::{Path, PathBuf};

/// `fuzz/corpus/<target>` of this repository.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

/// The seeds of `target`, sorted by name; at least `min` of them.
pub fn seeds(target: &str, min: usize) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fuzz corpus {}: {e}", dir.display()))
        .map(|e| {
            let p = e.expect("corpus entry").path();
            let name = p
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&p).expect("seed"))
        })
        .collect();
    out.sort();
    assert!(out.len() >= min, "corpus {target}: {} seeds", out.len());
    out
}

/// A stable-toolchain stand-in for the fuzzer: `rounds` random byte
/// flips, truncations, splices and token insertions of every seed, each
/// given to `check` (deterministic: the same inputs every run). `tokens`
/// are byte strings the parser cares about (delimiters, magic numbers).
pub fn mutate_seeds(
    seeds: &[(String, Vec<u8>)],
    rounds: usize,
    tokens: &[&[u8]],
    mut check: impl FnMut(&[u8]),
) {
    let mut state = 0x5eed_u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    for (_, seed) in seeds {
        for _ in 0..rounds {
            let mut b = seed.clone();
            match rand() % 4 {
                0 => {
                    for _ in 0..1 + rand() % 4 {
                        if !b.is_empty() {
                            let i = rand() % b.len();
                            b[i] = rand() as u8;
                        }
                    }
                }
                1 => b.truncate(rand() % (b.len() + 1)),
                2 => {
                    let other = &seeds[rand() % seeds.len()].1;
                    let cut = rand() % (b.len() + 1);
                    let from = rand() % (other.len() + 1);
                    b.truncate(cut);
                    b.extend_from_slice(&other[from..]);
                }
                _ if !tokens.is_empty() => {
                    let t = tokens[rand() % tokens.len()];
                    let at = rand() % (b.len() + 1);
                    b.splice(at..at, t.iter().copied());
                }
                _ => {}
            }
            check(&b);
        }
    }
}

/// Rounds per seed for [`mutate_seeds`]: `$FUZZ_MUTATIONS`, else `default`.
pub fn rounds(default: usize) -> usize {
    std::env::var("FUZZ_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
