//! Every target in one binary: `FUZZ_TARGET=timestamp fuzz_all corpus/timestamp …` (see run.sh).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| incidentlab_fuzz::by_env(data));
