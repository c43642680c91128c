/// Carries out a `SegmentRepairPlan`: writes the mended segment beside the old one, checks it,
/// then puts it in place atomically.
///
/// Order, so that a crash at any point loses nothing: the damaged bytes go into quarantine files
/// (synced) first; the new segment is written to `<name>.repair` and synced; its index cache is
/// removed; the new file is renamed over the old one and the directory synced. Before the rename
/// the old segment is untouched and the repair can simply be run again.
enum SegmentRewriter {
    /// Copies are made in pieces of this many bytes.
    static let chunk = 4 << 20

    static func rewrite(
        _ plan: SegmentRepairPlan, header: SegmentHeader, nextFirstPosition: UInt64?, quarantine: Quarantine
    ) throws(EventLogError) -> [RepairReport.Action] {
        let directory = quarantine.logDirectory
        let temp = plan.path + ".repair"
        LogFS.remove(temp)
        var actions: [RepairReport.Action] = []
        do throws(EventLogError) {
            let source = try LogFile(path: plan.path, create: false, readOnly: true)
            let out = try LogFile(path: temp, create: true)
            var end: Int64 = 0
            try copy(source, 0..<plan.dataStart, to: out, at: &end)
            for piece in plan.pieces {
                switch piece {
                case .keep(let range):
                    try copy(source, range, to: out, at: &end)
                case .quarantine(let damage), .cutTornTail(let damage), .fillGap(let damage):
                    var stored: String?
                    if damage.bytes > 0 {
                        stored = try quarantine.store(
                            source, segment: plan.name, offset: damage.offset, count: damage.bytes)
                    }
                    if let positions = damage.positions {
                        let frames = PlaceholderEvents.frames(
                            for: positions, timestamp: damage.timestamp, segment: plan.name, offset: damage.offset,
                            bytes: damage.bytes, quarantineFile: stored.map(quarantine.relative), reason: damage.reason)
                        try out.write(frames, at: end)
                        end += Int64(frames.count)
                    }
                    actions.append(
                        RepairReport.Action(
                            kind: piece.kind, segment: plan.name, offset: damage.offset, bytes: damage.bytes,
                            positions: damage.positions, quarantineFile: stored, reason: damage.reason))
                }
            }
            try out.sync()
            try check(temp, header: header, nextFirstPosition: nextFirstPosition)
            LogFS.remove(plan.path.dropLast(SegmentName.segmentSuffix.count) + SegmentName.indexSuffix)
            try LogFS.syncDirectory(directory)
            try LogFS.move(temp, plan.path)
            try LogFS.syncDirectory(directory)
        } catch {
            LogFS.remove(temp)
            throw error
        }
        return actions
    }

    /// Appends bytes `range` of `source` to `out` at `end`.
    private static func copy(
        _ source: borrowing LogFile, _ range: Range<Int64>, to out: borrowing LogFile, at end: inout Int64
    ) throws(EventLogError) {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let count = Int(min(Int64(chunk), range.upperBound - offset))
            let bytes = try source.read(count: count, at: offset)
            guard bytes.count == count else {
                throw EventLogError(.io, "\(source.path) is shorter than expected (was it changed during the repair?)")
            }
            try out.write(bytes, at: end)
            end += Int64(count)
            offset += Int64(count)
        }
    }

    /// Reads the new segment back: every batch must be sound and the positions gapless up to
    /// the next segment's first. Anything else is a bug in the repair, and the old segment stays.
    private static func check(
        _ path: String, header: SegmentHeader, nextFirstPosition: UInt64?
    ) throws(EventLogError) {
        var timestamp: Int64?
        let plan = try SegmentRepairPlan.scan(
            name: path, path: path, header: header, nextFirstPosition: nextFirstPosition, previousTimestamp: &timestamp)
        guard !plan.needsRewrite, plan.zeroBytes == 0 else {
            throw EventLogError(
                .io, "the repaired segment \(path) did not read back sound; the original was left as it was")
        }
    }
}

extension SegmentRepairPlan.Piece {
    fileprivate var kind: RepairReport.Action.Kind {
        switch self {
        case .keep, .quarantine: return .quarantined
        case .cutTornTail: return .cutTornTail
        case .fillGap: return .filledGap
        }
    }
}
