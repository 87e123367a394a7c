//! The incident store on disk: the canonical table as Parquet (`.parquet`) or Arrow IPC (`.arrow`,
//! `.ipc`, `.feather`), with the events table beside it (`<name>.events.parquet`). Written atomically.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::output::write_atomically;
use crate::schema::{events_to_frame, incidents_to_frame, Event, Incident};

/// The on-disk format of a store, chosen by the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFormat {
    Parquet,
    Ipc,
}

impl StoreFormat {
    pub fn of(path: &Path) -> Result<StoreFormat> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("parquet") | Some("pq") => Ok(StoreFormat::Parquet),
            Some("arrow") | Some("ipc") | Some("feather") => Ok(StoreFormat::Ipc),
            _ => Err(Error::Usage(format!(
                "{}: the store must end in .parquet (Parquet) or .arrow/.ipc/.feather (Arrow IPC)",
                path.display()
            ))),
        }
    }
}

/// Where the events table of a store lives: `store.parquet` → `store.events.parquet`.
pub fn events_path(store: &Path) -> PathBuf {
    let stem = store
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = store
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "parquet".into());
    store.with_file_name(format!("{stem}.events.{ext}"))
}

/// Writes a frame to `path` in the format its extension names.
pub fn write_frame(df: &mut DataFrame, path: &Path) -> Result<()> {
    let format = StoreFormat::of(path)?;
    let mut failure: Option<PolarsError> = None;
    let res = write_atomically(path, |w| {
        let r = match format {
            StoreFormat::Parquet => ParquetWriter::new(w)
                .with_compression(ParquetCompression::Snappy)
                .finish(df)
                .map(|_| ()),
            StoreFormat::Ipc => IpcWriter::new(w).finish(df),
        };
        r.map_err(|e| {
            let msg = e.to_string();
            failure = Some(e);
            std::io::Error::other(msg)
        })
    });
    match (res, failure) {
        // The writer's own failure (often I/O: a full disk) names the file being written.
        (Err(_), Some(e)) => Err(Error::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        }),
        (r, _) => r,
    }
}

/// Writes the incidents (and, when there are any, the events) as a store.
pub fn write_store(
    path: &Path,
    incidents: &[Incident],
    events: &[Event],
) -> Result<Option<PathBuf>> {
    let mut df = incidents_to_frame(incidents)?;
    write_frame(&mut df, path)?;
    if events.is_empty() {
        return Ok(None);
    }
    let ev_path = events_path(path);
    let mut ev = events_to_frame(events)?;
    write_frame(&mut ev, &ev_path)?;
    Ok(Some(ev_path))
}

/// Reads a store file eagerly into a frame.
pub fn read_frame(path: &Path) -> Result<DataFrame> {
    let format = StoreFormat::of(path)?;
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let df = match format {
        StoreFormat::Parquet => ParquetReader::new(file).finish(),
        StoreFormat::Ipc => IpcReader::new(file).finish(),
    }
    .map_err(|e| Error::format(path, format!("not a readable store: {e}")))?;
    Ok(df)
}

/// Reads a store back into incidents, checking the canonical schema.
pub fn read_incidents(path: &Path) -> Result<Vec<Incident>> {
    let df = read_frame(path)?;
    crate::schema::check_incident_frame(&df).map_err(|m| Error::format(path, m))?;
    Ok(crate::schema::incidents_from_frame(&df)?)
}

/// Where a store is built before it is renamed into place: a hidden sibling with the same extension
/// (`dir/.store.staging-<pid>.parquet`), so a crash never leaves a half-written store at `path`.
pub fn staging_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    path.with_file_name(format!(".{stem}.staging-{}.parquet", std::process::id()))
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Hands the allocator's free pages back to the system. Polars' parallel readers and aggregations
/// leave many freed blocks in glibc's arenas, which count as resident memory until reused (10M
/// incidents, all metric families: 0.7–0.8 GB). Called between analysis phases, so that the next
/// phase's peak does not stack on them. A no-op off glibc.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; no pointer of ours is touched.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Collects `lf` on polars' streaming engine (morsel by morsel: memory follows the result and the
/// operators' state, not the input).
pub fn collect_streaming(lf: LazyFrame) -> PolarsResult<DataFrame> {
    use polars_core::query_result::QueryResult;
    match lf.collect_with_engine(Engine::Streaming)? {
        QueryResult::Single(df) => Ok(df),
        QueryResult::Multiple(_) => Err(PolarsError::ComputeError(
            "the streaming engine returned several frames for one query".into(),
        )),
    }
}

/// `df` with every column in one chunk, rechunked one column at a time with the freed chunks
/// given back ([`release_free_memory`]) after each: peak memory is the frame and one column, not
/// twice the frame (10M incidents, 17 columns: 1 GB less than `rechunk_mut`).
pub fn rechunk_each(mut df: DataFrame) -> PolarsResult<DataFrame> {
    let names: Vec<PlSmallStr> = df.get_column_names().into_iter().cloned().collect();
    for name in names {
        let c = df.column(&name)?;
        if c.n_chunks() > 1 {
            let one = c.rechunk();
            df.with_column(one)?;
            release_free_memory();
        }
    }
    Ok(df)
}

/// Runs `lf` on polars' streaming engine and folds its result into `state` batch by batch, in
/// row order: memory holds a batch, not the result. The first error `each` returns ends the query
/// and is returned; otherwise the final state.
pub fn fold_batches<S: Send + 'static, E: Send + 'static>(
    lf: LazyFrame,
    state: S,
    each: impl FnMut(&mut S, &DataFrame) -> std::result::Result<(), E> + Send + 'static,
) -> std::result::Result<std::result::Result<S, E>, PolarsError> {
    use std::sync::{Arc, Mutex};
    // The callback must be `Fn` and shared: the fold lives behind a lock (batches come one at a
    // time with `maintain_order`) and is taken out of it when the query is done.
    let fold = Arc::new(Mutex::new((each, Some(Ok(state)))));
    let shared = Arc::clone(&fold);
    let sink = lf.sink_batches(
        PlanCallback::new(move |df: DataFrame| {
            let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
            let (each, acc) = &mut *guard;
            let Some(Ok(s)) = acc else {
                return Ok(true);
            };
            if let Err(e) = each(s, &df) {
                *acc = Some(Err(e));
            }
            Ok(matches!(acc, Some(Err(_))))
        }),
        true,
        None,
    )?;
    sink.collect_with_engine(Engine::Streaming)?;
    let mut guard = fold.lock().unwrap_or_else(|e| e.into_inner());
    guard
        .1
        .take()
        .ok_or_else(|| PolarsError::ComputeError("the batch fold was taken twice".into()))
}

/// Writes a Parquet file one row group at a time (`write` per chunk), so memory holds one chunk.
pub struct ChunkedParquet {
    path: PathBuf,
    // Unbuffered: the writer emits whole pages, and every write error reaches us.
    writer: polars::io::parquet::write::BatchedWriter<File>,
}

impl ChunkedParquet {
    /// Creates `path` (normally a [`staging_path`]) for frames of `schema`.
    pub fn create(path: &Path, schema: &Schema) -> Result<ChunkedParquet> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| write_error(path, e))?;
        }
        let file = File::create(path).map_err(|e| write_error(path, e))?;
        let writer = ParquetWriter::new(file)
            .with_compression(ParquetCompression::Snappy)
            .batched(schema)
            .map_err(|e| write_error(path, e))?;
        Ok(ChunkedParquet {
            path: path.to_path_buf(),
            writer,
        })
    }

    /// Appends one frame (one chunk per column) as a row group.
    pub fn write(&mut self, df: &DataFrame) -> Result<()> {
        self.writer
            .write_batch(df)
            .map_err(|e| write_error(&self.path, e))
    }

    /// Writes the footer (the file is synced to disk when the store is committed).
    pub fn finish(self) -> Result<()> {
        let path = self.path.clone();
        self.writer.finish().map_err(|e| write_error(&path, e))?;
        Ok(())
    }
}

/// Store files written under [`staging_path`] names, waiting to be renamed into place. Dropped
/// without [`StagedStore::commit`] (an error, `--strict`), the staged files are removed and the
/// previous store, if any, is left untouched.
#[derive(Debug, Default)]
pub struct StagedStore {
    /// (staged Parquet file, final path) for the incidents and, if any, the events table.
    files: Vec<(PathBuf, PathBuf)>,
}

impl StagedStore {
    pub fn stage(&mut self, staged: PathBuf, target: PathBuf) {
        self.files.push((staged, target));
    }

    /// Moves every staged file into place (an Arrow IPC target is converted from the staged
    /// Parquet file); returns the final paths in staging order.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let files = std::mem::take(&mut self.files);
        let mut done = Vec::new();
        for (staged, target) in &files {
            match StoreFormat::of(target)? {
                StoreFormat::Parquet => {
                    File::open(staged)
                        .and_then(|f| f.sync_all())
                        .and_then(|_| std::fs::rename(staged, target))
                        .map_err(|e| write_error(target, e))?;
                }
                StoreFormat::Ipc => {
                    let mut df = read_frame(staged)?;
                    write_frame(&mut df, target)?;
                    let _ = std::fs::remove_file(staged);
                }
            }
            done.push(target.clone());
        }
        self.files = files.into_iter().filter(|(s, _)| s.exists()).collect();
        Ok(done)
    }
}

impl Drop for StagedStore {
    fn drop(&mut self) {
        for (staged, _) in &self.files {
            let _ = std::fs::remove_file(staged);
        }
    }
}
