import EventStore

/// `log`: the event log opens read-only, its last segment's batches and its indexes verify
/// (`--full`: every batch of every segment).
enum DoctorLogCheck {
    static let name = "log"
    static let title = "Event log opens and verifies"

    static func check(_ context: DoctorContext) -> (DoctorResult, LogReader?) {
        let reader: LogReader
        do {
            reader = try LogReader.open(directory: context.logDirectory)
        } catch {
            if error.code == .notFound {
                return (
                    .warning(
                        name, title, "no log yet at \(context.logDirectory)",
                        ["`clickunlock serve \(context.dataFlag)` creates it when it starts"]), nil
                )
            }
            let remedies =
                error.code == .corruption
                ? corruptionRemedies(context) : ["check the files' permissions and the disk (`dmesg` for I/O errors)"]
            return (.failed(name, title, "it does not open: \(error.message)", remedies), nil)
        }
        let report: SpotCheckReport
        do {
            report = try reader.spotCheck(full: context.full)
        } catch {
            return (.failed(name, title, "reading it failed: \(error.message)", ["check the disk (`dmesg`)"]), reader)
        }
        let recovery = reader.recovery
        var problems = report.problems.map(\.description)
        problems += recovery.damaged.map { "damaged batch followed by sound ones: \($0)" }
        let scope =
            context.full
            ? "every batch of \(report.segmentsRead) segment(s)"
            : "\(report.segments) segment(s), the last one's \(report.batches) batch(es) and the indexes read"
        let summary = "positions 1-\(reader.lastPosition); \(scope)"
        if !problems.isEmpty {
            return (
                .failed(
                    name, title, "\(problems.count) problem(s): \(problems.prefix(5).joined(separator: "; "))",
                    corruptionRemedies(context)), reader
            )
        }
        if recovery.truncatedBytes > 0, let segment = recovery.truncatedSegment, !context.writerRunning {
            return (
                .failed(
                    name, title,
                    "torn tail: the last \(recovery.truncatedBytes) bytes of \(segment) are an incomplete batch "
                        + "(a crash in the middle of a write; it was never acknowledged, so no webhook is lost)",
                    [
                        "start the service: `serve` cuts a torn tail when it opens the log",
                        "or cut it now, keeping a copy in quarantine: `clickunlock log repair \(context.dataFlag)`",
                    ]), reader
            )
        }
        if !report.missingIndexes.isEmpty {
            return (
                .warning(
                    name, title,
                    "\(summary); index files missing or stale (read by scanning instead): "
                        + report.missingIndexes.joined(separator: ", "),
                    ["restart the service: `serve` writes the index files again when it opens the log"]), reader
            )
        }
        return (.ok(name, title, summary + (context.full ? "" : " (--full reads every batch)")), reader)
    }

    private static func corruptionRemedies(_ context: DoctorContext) -> [String] {
        [
            "list every damaged place: `clickunlock log verify \(context.dataFlag)`",
            "stop the service, then `clickunlock log repair \(context.dataFlag)`: damaged bytes go to "
                + "log/quarantine/, every sound batch keeps its position",
            "a damaged segment header or index: restore that file from the latest backup "
                + "(`clickunlock restore --from BACKUP --data-dir NEW`), or delete a bad .idx file (a cache) with the "
                + "service stopped",
        ]
    }
}
