//! Streaming import into a store in bounded memory: incidents are written to Parquet one chunk (row
//! group) at a time as their rows are read, so memory holds one chunk, not the export.
//!
//! Duplicates are still found exactly across the whole input. An [`IdIndex`] keeps a 64-bit hash of
//! every incident id written (8 bytes per slot, about 11 bytes per incident). A row whose id hash
//! was not seen is new for certain and is written. A row whose hash was seen is a *suspect*: it is
//! held back (memory grows with the number of duplicate rows only). After the last row, the store
//! written so far is searched for the suspects' ids, compared as strings: a suspect whose id is
//! there (or was promoted before it) is a duplicate, rejected exactly as the in-memory import does
//! (`duplicate_identical` or `duplicate_conflict` naming the first differing column); a suspect whose
//! id is not there only shared a hash with another id and is imported after all (appended, the
//! store rewritten once; with 64-bit hashes about one import in 40,000 of 30M rows).

use crate::schema::col;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::Reject;
use crate::error::{Error, Result};
use crate::schema::{incidents_from_frame, incidents_to_frame, Incident, IncidentOf, IncidentRef};
use crate::store::{read_frame, write_frame, ChunkedParquet};

/// Rows per chunk (Parquet row group) unless told otherwise.
pub const DEFAULT_CHUNK_ROWS: usize = 131_072;

/// Bytes of the store one query of the duplicate check reads, about, unless told otherwise.
pub const DEFAULT_SCAN_BYTES: u64 = 64 << 20;

/// How the streaming import cuts its work. Both knobs exist for tests: any chunk size gives the same
/// store, and fewer hash bits force hash collisions through the exact check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOptions {
    /// Incidents per chunk (row group), at least 1.
    pub chunk_rows: usize,
    /// Bits of the id hash kept (1–64; 64 in normal use).
    pub id_hash_bits: u32,
    /// About how many bytes of the store one query of the duplicate check reads
    /// ([`DEFAULT_SCAN_BYTES`]; 1 = one row group per query).
    pub scan_bytes: u64,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            chunk_rows: DEFAULT_CHUNK_ROWS,
            id_hash_bits: 64,
            scan_bytes: DEFAULT_SCAN_BYTES,
        }
    }
}

impl StreamOptions {
    /// The defaults, overridden by the hidden test knobs `INCIDENTLAB_IMPORT_CHUNK_ROWS`,
    /// `INCIDENTLAB_IMPORT_ID_HASH_BITS` and `INCIDENTLAB_IMPORT_SCAN_BYTES` (unreadable values are
    /// ignored).
    pub fn from_env() -> StreamOptions {
        fn var<T: std::str::FromStr>(name: &str) -> Option<T> {
            std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
        }
        let d = StreamOptions::default();
        StreamOptions {
            chunk_rows: var("INCIDENTLAB_IMPORT_CHUNK_ROWS").unwrap_or(d.chunk_rows),
            id_hash_bits: var("INCIDENTLAB_IMPORT_ID_HASH_BITS").unwrap_or(d.id_hash_bits),
            scan_bytes: var("INCIDENTLAB_IMPORT_SCAN_BYTES").unwrap_or(d.scan_bytes),
        }
    }
}

/// 64-bit FNV-1a of the id's bytes, mixed by MurmurHash3's finaliser, cut to its low `bits` bits
/// (1–64), and never 0 (0 marks an empty slot of [`IdIndex`]).
pub fn id_hash(id: &str, bits: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in id.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    let bits = bits.clamp(1, 64);
    if bits < 64 {
        h &= (1u64 << bits) - 1;
    }
    h.max(1)
}

/// An open-addressing set of non-zero 64-bit hashes (linear probing, at most 80 % full).
#[derive(Debug)]
pub struct IdIndex {
    slots: Vec<u64>,
    len: usize,
}

impl IdIndex {
    /// Room for `expected` hashes without growing, and 10 % more: `expected` is a guess from the
    /// file's first MiB, and growing doubles the table (and holds old and new while it rehashes).
    pub fn with_capacity(expected: usize) -> IdIndex {
        IdIndex {
            slots: vec![0; (expected.saturating_mul(11) / 8).max(1024)],
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn home(&self, h: u64) -> usize {
        // Multiply-shift: any table size, using the hash's high bits.
        ((u128::from(h.wrapping_mul(0x9e37_79b9_7f4a_7c15)) * self.slots.len() as u128) >> 64)
            as usize
    }

    /// Grows the table now so that `more` hashes can be added without growing (slots stay put).
    pub fn reserve(&mut self, more: usize) {
        while (self.len + more) * 5 > self.slots.len() * 4 {
            self.grow();
        }
    }

    /// Adds a batch of hashes in their order: `new[i]` is whether `hashes[i]` was not there before
    /// (an earlier equal hash in the batch counts). The batch is visited by region of the table
    /// (a counting sort of the home slots into regions of 8,192 slots, stable, so equal hashes keep
    /// their order): the table is walked forwards instead of at random, with far fewer cache misses
    /// on a large index, and without a comparison sort.
    pub fn insert_batch(&mut self, hashes: &[u64]) -> Vec<bool> {
        const REGION_SLOTS: usize = 8192;
        self.reserve(hashes.len());
        let regions = self.slots.len().div_ceil(REGION_SLOTS);
        let region: Vec<u32> = hashes
            .iter()
            .map(|&h| (self.home(h) / REGION_SLOTS) as u32)
            .collect();
        let mut starts = vec![0usize; regions + 1];
        for &r in &region {
            starts[r as usize + 1] += 1;
        }
        for k in 1..starts.len() {
            starts[k] += starts[k - 1];
        }
        let mut order = vec![0u32; hashes.len()];
        for (i, &r) in region.iter().enumerate() {
            let at = &mut starts[r as usize];
            order[*at] = i as u32;
            *at += 1;
        }
        let mut new = vec![false; hashes.len()];
        for i in order {
            let i = i as usize;
            new[i] = self.insert(hashes[i]);
        }
        new
    }

    /// Adds `h` (non-zero); `false` when it was already there.
    pub fn insert(&mut self, h: u64) -> bool {
        if (self.len + 1) * 5 > self.slots.len() * 4 {
            self.grow();
        }
        let n = self.slots.len();
        let mut k = self.home(h);
        loop {
            match self.slots[k] {
                0 => {
                    self.slots[k] = h;
                    self.len += 1;
                    return true;
                }
                v if v == h => return false,
                _ => k = if k + 1 == n { 0 } else { k + 1 },
            }
        }
    }

    fn grow(&mut self) {
        let bigger = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        self.len = 0;
        for h in old.into_iter().filter(|&h| h != 0) {
            self.insert(h);
        }
    }
}

/// A polars builder of one canonical column, as [`FrameBuilder`] fills it.
trait Builder<V>: Sized {
    fn create(name: &str, capacity: usize) -> Self;
    fn push(&mut self, v: Option<V>);
    fn column(self) -> Column;
}

impl<'a> Builder<&'a str> for StringChunkedBuilder {
    fn create(name: &str, capacity: usize) -> Self {
        StringChunkedBuilder::new(name.into(), capacity)
    }
    #[inline(always)]
    fn push(&mut self, v: Option<&'a str>) {
        self.append_option(v)
    }
    fn column(self) -> Column {
        self.finish().into_column()
    }
}

/// The [`Builder`] of a polars builder with `new(name, capacity)`, `append_option` and `finish`.
macro_rules! builder {
    ($builder:ty, $value:ty) => {
        impl Builder<$value> for $builder {
            fn create(name: &str, capacity: usize) -> Self {
                <$builder>::new(name.into(), capacity)
            }
            #[inline(always)]
            fn push(&mut self, v: Option<$value>) {
                self.append_option(v)
            }
            fn column(self) -> Column {
                self.finish().into_column()
            }
        }
    };
}

builder!(PrimitiveChunkedBuilder<Int64Type>, i64);
builder!(PrimitiveChunkedBuilder<Float64Type>, f64);
builder!(BooleanChunkedBuilder, bool);

/// Milliseconds since the epoch, finished as a UTC datetime column.
struct TimeBuilder(PrimitiveChunkedBuilder<Int64Type>);

impl Builder<i64> for TimeBuilder {
    fn create(name: &str, capacity: usize) -> Self {
        TimeBuilder(PrimitiveChunkedBuilder::new(name.into(), capacity))
    }
    #[inline(always)]
    fn push(&mut self, v: Option<i64>) {
        self.0.append_option(v)
    }
    fn column(self) -> Column {
        self.0
            .finish()
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            .into_column()
    }
}

/// A column builder started at the column's first value in the chunk (the nulls before it are
/// added then); a column without a value in the whole chunk becomes one null column at the end.
/// An export fills only some canonical fields: the others cost nothing per row.
struct Lazy<B> {
    name: &'static str,
    started: Option<B>,
}

impl<B> Lazy<B> {
    fn new(name: &'static str) -> Self {
        Lazy {
            name,
            started: None,
        }
    }

    /// Adds row `rows` (0-based) of a chunk of `capacity` rows.
    #[inline(always)]
    fn push<V>(&mut self, v: Option<V>, rows: usize, capacity: usize)
    where
        B: Builder<V>,
    {
        match &mut self.started {
            Some(b) => b.push(v),
            None => {
                if let Some(v) = v {
                    let mut b = B::create(self.name, capacity);
                    for _ in 0..rows {
                        b.push(None);
                    }
                    b.push(Some(v));
                    self.started = Some(b);
                }
            }
        }
    }

    fn column<V>(self, rows: usize, dtype: &DataType) -> Column
    where
        B: Builder<V>,
    {
        match self.started {
            Some(b) => b.column(),
            None => Column::full_null(self.name.into(), rows, dtype),
        }
    }
}

/// Builds the canonical incident frame column by column as incidents arrive, so each incident is
/// read once while it is in cache and freed at once (the same frame as
/// [`crate::schema::incidents_to_frame`], checked by a test).
pub struct FrameBuilder {
    text: Vec<Lazy<StringChunkedBuilder>>,
    times: Vec<Lazy<TimeBuilder>>,
    ints: Vec<Lazy<PrimitiveChunkedBuilder<Int64Type>>>,
    hold: Lazy<PrimitiveChunkedBuilder<Float64Type>>,
    flags: Vec<Lazy<BooleanChunkedBuilder>>,
    rows: usize,
    capacity: usize,
}

// The canonical column names ([`crate::schema::col`]), grouped by how they are built.
const TEXT_COLUMNS: [&str; 17] = [
    col::INCIDENT_ID,
    col::SOURCE,
    col::PRIORITY_LABEL,
    col::IMPACT,
    col::URGENCY,
    col::CATEGORY,
    col::SUBCATEGORY,
    col::SYMPTOM,
    col::SERVICE,
    col::CI,
    col::ASSIGNMENT_GROUP,
    col::ASSIGNEE,
    col::CHANNEL,
    col::MAX_SUPPORT_LEVEL,
    col::PROBLEM_ID,
    col::FINAL_STATE,
    col::RESOLVED_SOURCE,
];
const TIME_COLUMNS: [&str; 4] = [
    col::OPENED_AT,
    col::ACKNOWLEDGED_AT,
    col::RESOLVED_AT,
    col::CLOSED_AT,
];
const INT_COLUMNS: [&str; 5] = [
    col::PRIORITY,
    col::REASSIGNMENT_COUNT,
    col::REOPEN_COUNT,
    col::ESCALATION_COUNT,
    col::SOURCE_LINE,
];
const FLAG_COLUMNS: [&str; 3] = [
    col::MADE_SLA_REPORTED,
    col::KNOWLEDGE_USED,
    col::MAJOR_INCIDENT,
];

impl FrameBuilder {
    pub fn new(capacity: usize) -> FrameBuilder {
        FrameBuilder {
            text: TEXT_COLUMNS.iter().map(|n| Lazy::new(n)).collect(),
            times: TIME_COLUMNS.iter().map(|n| Lazy::new(n)).collect(),
            ints: INT_COLUMNS.iter().map(|n| Lazy::new(n)).collect(),
            hold: Lazy::new("on_hold_hours"),
            flags: FLAG_COLUMNS.iter().map(|n| Lazy::new(n)).collect(),
            rows: 0,
            capacity,
        }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn push<S: AsRef<str>>(&mut self, inc: &IncidentOf<S>) {
        fn o<S: AsRef<str>>(v: &Option<S>) -> Option<&str> {
            v.as_ref().map(AsRef::as_ref)
        }
        let text = [
            Some(inc.incident_id.as_ref()),
            Some(inc.source.as_ref()),
            o(&inc.priority_label),
            o(&inc.impact),
            o(&inc.urgency),
            o(&inc.category),
            o(&inc.subcategory),
            o(&inc.symptom),
            o(&inc.service),
            o(&inc.ci),
            o(&inc.assignment_group),
            o(&inc.assignee),
            o(&inc.channel),
            o(&inc.max_support_level),
            o(&inc.problem_id),
            o(&inc.final_state),
            o(&inc.resolved_source),
        ];
        let (rows, capacity) = (self.rows, self.capacity);
        for (b, v) in self.text.iter_mut().zip(text) {
            b.push(v, rows, capacity);
        }
        let times = [
            Some(inc.opened_at),
            inc.acknowledged_at,
            inc.resolved_at,
            inc.closed_at,
        ];
        for (b, v) in self.times.iter_mut().zip(times) {
            b.push(v, rows, capacity);
        }
        let ints = [
            inc.priority.map(i64::from),
            inc.reassignment_count.map(i64::from),
            inc.reopen_count.map(i64::from),
            inc.escalation_count.map(i64::from),
            Some(inc.source_line as i64),
        ];
        for (b, v) in self.ints.iter_mut().zip(ints) {
            b.push(v, rows, capacity);
        }
        self.hold.push(inc.on_hold_hours, rows, capacity);
        let flags = [
            inc.made_sla_reported,
            inc.knowledge_used,
            inc.major_incident,
        ];
        for (b, v) in self.flags.iter_mut().zip(flags) {
            b.push(v, rows, capacity);
        }
        self.rows += 1;
    }

    /// The frame of the incidents pushed so far (columns in canonical order); the builder starts
    /// over empty.
    pub fn take(&mut self) -> PolarsResult<DataFrame> {
        let full = std::mem::replace(self, FrameBuilder::new(self.capacity));
        let rows = full.rows;
        let mut columns: HashMap<&str, Column> = HashMap::new();
        for (n, b) in TEXT_COLUMNS.iter().zip(full.text) {
            columns.insert(n, b.column(rows, &DataType::String));
        }
        let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
        for (n, b) in TIME_COLUMNS.iter().zip(full.times) {
            columns.insert(n, b.column(rows, &utc));
        }
        for (n, b) in INT_COLUMNS.iter().zip(full.ints) {
            columns.insert(n, b.column(rows, &DataType::Int64));
        }
        columns.insert("on_hold_hours", full.hold.column(rows, &DataType::Float64));
        for (n, b) in FLAG_COLUMNS.iter().zip(full.flags) {
            columns.insert(n, b.column(rows, &DataType::Boolean));
        }
        let ordered = crate::schema::INCIDENT_COLUMNS
            .iter()
            .map(|c| {
                columns.remove(c.0).ok_or_else(|| {
                    PolarsError::ColumnNotFound(format!("no builder for {}", c.0).into())
                })
            })
            .collect::<PolarsResult<Vec<Column>>>()?;
        DataFrame::new(full.rows, ordered)
    }
}

/// Counts over the incidents that went into the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Source rows behind them (event logs: several per incident).
    pub rows_imported: u64,
    pub incidents: u64,
    pub resolved_from_events: u64,
    pub closed_without_resolution: u64,
}

impl Tally {
    pub fn add<S: AsRef<str>>(&mut self, inc: &IncidentOf<S>, rows: u64) {
        self.rows_imported += rows;
        self.incidents += 1;
        self.resolved_from_events +=
            u64::from(inc.resolved_source.as_ref().map(AsRef::as_ref) == Some("events"));
        self.closed_without_resolution +=
            u64::from(inc.resolved_at.is_none() && inc.closed_at.is_some());
    }
}

/// A row held back because its id hash was seen before: (incident, file, source rows).
type Suspect = (Incident, String, u64);

/// What the writer keeps of a row of the current chunk besides its columns.
#[derive(Debug, Clone, Copy)]
struct Pending {
    hash: u64,
    /// Index into `ChunkWriter::files`.
    file: usize,
    rows: u64,
    resolved_from_events: bool,
    closed_without_resolution: bool,
}

/// Writes incidents to a Parquet file chunk by chunk, keeping the first row of every id.
pub struct ChunkWriter {
    path: PathBuf,
    out: ChunkedParquet,
    chunk: FrameBuilder,
    pending: Vec<Pending>,
    files: Vec<String>,
    opts: StreamOptions,
    index: IdIndex,
    suspects: Vec<Suspect>,
    tally: Tally,
}

impl ChunkWriter {
    /// Creates the Parquet file at `path`; `expected_rows` sizes the id index (it grows if needed).
    pub fn create(path: &Path, opts: StreamOptions, expected_rows: usize) -> Result<ChunkWriter> {
        let schema = incidents_to_frame(&[])?.schema().as_ref().clone();
        let opts = StreamOptions {
            chunk_rows: opts.chunk_rows.max(1),
            ..opts
        };
        Ok(ChunkWriter {
            path: path.to_path_buf(),
            out: ChunkedParquet::create(path, &schema)?,
            chunk: FrameBuilder::new(opts.chunk_rows.min(DEFAULT_CHUNK_ROWS)),
            pending: Vec::new(),
            files: Vec::new(),
            opts,
            index: IdIndex::with_capacity(expected_rows),
            suspects: Vec::new(),
            tally: Tally::default(),
        })
    }

    /// Takes one candidate incident built from `rows` source rows of `file`. Whether its id is new
    /// is settled for the whole chunk at once when the chunk is full, in input order.
    pub fn push(&mut self, inc: &IncidentRef, file: &str, rows: u64) -> Result<()> {
        // The same file as the last row nearly always (and then the same string): compare the
        // pointer before the bytes.
        let same = |f: &String| std::ptr::eq(f.as_str(), file) || f == file;
        if !self.files.last().is_some_and(same) {
            self.files.push(file.to_string());
        }
        self.pending.push(Pending {
            hash: id_hash(inc.incident_id, self.opts.id_hash_bits),
            file: self.files.len() - 1,
            rows,
            resolved_from_events: inc.resolved_source == Some("events"),
            closed_without_resolution: inc.resolved_at.is_none() && inc.closed_at.is_some(),
        });
        self.chunk.push(inc);
        if self.chunk.len() >= self.opts.chunk_rows {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the rows of the chunk whose id hash is new; the others become suspects.
    fn flush(&mut self) -> Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let df = self.chunk.take()?;
        let pending = std::mem::take(&mut self.pending);
        let hashes: Vec<u64> = pending.iter().map(|p| p.hash).collect();
        let new = self.index.insert_batch(&hashes);
        for (p, _) in pending.iter().zip(&new).filter(|(_, n)| **n) {
            let t = &mut self.tally;
            t.rows_imported += p.rows;
            t.incidents += 1;
            t.resolved_from_events += u64::from(p.resolved_from_events);
            t.closed_without_resolution += u64::from(p.closed_without_resolution);
        }
        if new.iter().all(|n| *n) {
            self.files.drain(..self.files.len().saturating_sub(1));
            return self.out.write(&df);
        }
        let mask = BooleanChunked::from_slice("new".into(), &new);
        let polars = |e: PolarsError| Error::format(&self.path, e.to_string());
        let held = df.filter(&!&mask).map_err(polars)?;
        let held = incidents_from_frame(&held).map_err(polars)?;
        let held_meta = pending.iter().zip(&new).filter(|(_, n)| !**n);
        for (inc, (p, _)) in held.into_iter().zip(held_meta) {
            self.suspects
                .push((inc, self.files[p.file].clone(), p.rows));
        }
        self.files.drain(..self.files.len().saturating_sub(1));
        let kept = df.filter(&mask).map_err(polars)?;
        self.out.write(&kept)
    }

    /// Writes the last chunk and the footer, settles the suspects (duplicate rejects go to
    /// `rejects`) and returns what went into the store.
    pub fn finish(mut self, rejects: &mut Vec<Reject>) -> Result<Tally> {
        self.flush()?;
        let ChunkWriter {
            path,
            out,
            suspects,
            mut tally,
            opts,
            ..
        } = self;
        out.finish()?;
        if suspects.is_empty() {
            return Ok(tally);
        }
        let mut firsts = first_rows_of(
            &path,
            &suspects,
            // Every incident counted so far is a row written to the store.
            tally.incidents as usize,
            opts.chunk_rows,
            opts.scan_bytes,
        )?;
        let mut promoted = Vec::new();
        for (inc, file, rows) in suspects {
            match firsts.get(&inc.incident_id) {
                Some(first) => rejects.extend(super::duplicate_rejects(first, &inc, &file, rows)),
                None => {
                    // Only the hash was shared: a new incident after all.
                    tally.add(&inc, rows);
                    firsts.insert(inc.incident_id.clone(), inc.clone());
                    promoted.push(inc);
                }
            }
        }
        if !promoted.is_empty() {
            let mut df = read_frame(&path)?;
            df.vstack_mut_owned(incidents_to_frame(&promoted)?)
                .map_err(|e| Error::format(&path, e.to_string()))?;
            write_frame(&mut df, &path)?;
        }
        Ok(tally)
    }
}

/// The rows of the Parquet store at `path` (`rows` rows, cut in row groups of `chunk` rows) whose
/// incident id is one of the suspects', by id. Run on polars' streaming engine, which decodes the
/// other columns only of matching rows, over slices of whole row groups of about `scan_bytes`:
/// polars maps the file into memory and every page a query touches stays resident until it ends,
/// so one query over a 10M-row store peaked with all its 256 MB mapped (the in-memory engine also
/// held every row group's columns at once); one query per row group cost 30 % more CPU time.
fn first_rows_of(
    path: &Path,
    suspects: &[Suspect],
    rows: usize,
    chunk: usize,
    scan_bytes: u64,
) -> Result<HashMap<String, Incident>> {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let groups = rows.div_ceil(chunk.max(1)).max(1) as u64;
    let parts = bytes.div_ceil(scan_bytes.max(1)).clamp(1, groups);
    let step = (groups.div_ceil(parts) as usize) * chunk.max(1);
    let mut ids: Vec<&str> = suspects.iter().map(|s| s.0.incident_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let wanted = lit(Series::new("wanted".into(), ids)).implode(false);
    let bad = |e: PolarsError| Error::format(path, format!("cannot read the staged store: {e}"));
    let scan = LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )
    .map_err(bad)?;
    let mut firsts = HashMap::new();
    for offset in (0..rows).step_by(step) {
        let part = scan
            .clone()
            .slice(offset as i64, step as IdxSize)
            .filter(col("incident_id").is_in(wanted.clone(), false));
        let df = crate::store::collect_streaming(part).map_err(bad)?;
        for i in incidents_from_frame(&df).map_err(bad)? {
            // The store holds each id once; `or_insert` keeps the first row should it not.
            firsts.entry(i.incident_id.clone()).or_insert(i);
        }
    }
    Ok(firsts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_index_finds_every_repeat_and_grows() {
        let mut idx = IdIndex::with_capacity(10);
        for k in 0..50_000u64 {
            assert!(idx.insert(id_hash(&format!("INC{k:08}"), 64)), "{k}");
        }
        assert_eq!(idx.len(), 50_000);
        for k in (0..50_000u64).step_by(7) {
            assert!(!idx.insert(id_hash(&format!("INC{k:08}"), 64)), "{k}");
        }
        assert_eq!(idx.len(), 50_000);
    }

    #[test]
    fn frame_builder_gives_the_canonical_frame() {
        let a = Incident {
            incident_id: "INC1".into(),
            source: "servicenow".into(),
            opened_at: 1_700_000_000_000,
            acknowledged_at: Some(1_700_000_060_000),
            closed_at: Some(1_700_000_900_000),
            priority: Some(2),
            priority_label: Some("2 - High".into()),
            category: Some("Network".into()),
            ci: Some("db-1".into()),
            reassignment_count: Some(3),
            escalation_count: Some(1),
            on_hold_hours: Some(1.5),
            made_sla_reported: Some(false),
            knowledge_used: Some(true),
            major_incident: Some(true),
            final_state: Some("Closed".into()),
            source_line: 7,
            resolved_source: Some("events".into()),
            ..Default::default()
        };
        let b = Incident {
            incident_id: "INC2".into(),
            opened_at: 5,
            resolved_at: Some(9),
            source_line: 8,
            ..Default::default()
        };
        let mut fb = FrameBuilder::new(1);
        for inc in [&a, &b, &a] {
            fb.push(inc);
        }
        assert_eq!(fb.len(), 3);
        let got = fb.take().unwrap();
        let want = incidents_to_frame(&[a.clone(), b, a]).unwrap();
        assert_eq!(got.schema(), want.schema());
        assert!(got.equals_missing(&want));
        assert!(fb.is_empty());
    }

    /// A batch insert gives what inserting one by one in input order gives, repeats within the
    /// batch and across batches included.
    #[test]
    fn insert_batch_is_insert_in_order() {
        let mut one = IdIndex::with_capacity(100);
        let mut batch = IdIndex::with_capacity(100);
        let mut state = 3u64;
        for round in 0..20 {
            let hashes: Vec<u64> = (0..5000)
                .map(|_| {
                    state = crate::random::splitmix64(state);
                    // A small range of values: many repeats, within and across batches.
                    1 + state % (20_000 + round * 1000)
                })
                .collect();
            let want: Vec<bool> = hashes.iter().map(|&h| one.insert(h)).collect();
            assert_eq!(batch.insert_batch(&hashes), want, "round {round}");
            assert_eq!(batch.len(), one.len());
        }
        assert!(one.len() > 20_000, "the table grew past its first size");
    }

    #[test]
    fn hash_bits_cut_the_hash() {
        for k in 0..1000 {
            let h = id_hash(&format!("x{k}"), 3);
            assert!((1..8).contains(&h));
        }
        assert_ne!(id_hash("INC1", 64), id_hash("INC2", 64));
    }
}
