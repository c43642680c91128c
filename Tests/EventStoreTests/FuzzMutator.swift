import EventStore
import Foundation

/// A small seeded generator (SplitMix64), so that every fuzz input can be made again from its number.
struct FuzzRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The sound log every fuzz input is made from: its files' bytes, its batches, its events.
struct FuzzLog: Sendable {
    var files: [String: [UInt8]]
    var segments: [String]
    var frames: [String: [FormatProbe.Frame]]
    var all: [RecordedEvent]

    var indexes: [String] { files.keys.filter { $0.hasSuffix(".idx") }.sorted() }
}

/// One damaged copy of a `FuzzLog`.
struct FuzzInput: Sendable {
    var files: [String: [UInt8]]
    /// The segment that was changed (`nil`: an index was).
    var segment: String?
    var summary: String
    /// Whether checksums were made valid again over the change (a crafted file): then the log
    /// cannot know what was lost, and only "no trap, gapless positions" is checked.
    var resealed: Bool
}

/// Makes damaged copies of a log: bit flips, bytes set, truncations, length and position fields
/// rewritten (huge values too), bytes spliced from elsewhere; some with checksums made valid again.
enum FuzzMutator {
    static func mutate(_ log: FuzzLog, _ random: inout FuzzRandom) -> FuzzInput {
        var files = log.files
        if Bool.random(using: &random) { for name in log.indexes { files[name] = nil } }
        let kind = Int.random(in: 0..<10, using: &random)
        if kind >= 8, let index = log.indexes.randomElement(using: &random), files[index] != nil {
            var bytes = files[index]!
            let summary = kind == 8 ? flipBits(&bytes, in: nil, &random) : rewriteIndexField(&bytes, &random)
            files[index] = bytes
            return FuzzInput(files: files, segment: nil, summary: "\(index): \(summary)", resealed: kind == 9)
        }
        // The active segment half the time: where recovery decides what is torn.
        let segment = Bool.random(using: &random) ? log.segments.last! : log.segments.randomElement(using: &random)!
        var bytes = files[segment]!
        let frames = log.frames[segment]!
        let frame = frames.randomElement(using: &random)
        // Bit flips and bytes set aim at a batch header half the time.
        let focus = Bool.random(using: &random) ? frame.map { Int($0.offset)..<Int($0.offset + 48) } : nil
        let summary: String
        var resealed = false
        switch kind {
        case 0:
            summary = flipBits(&bytes, in: focus, &random)
        case 1:
            summary = setBytes(&bytes, in: focus, &random)
        case 2:
            let length = Int.random(in: 0..<bytes.count, using: &random)
            bytes.removeLast(bytes.count - length)
            summary = "truncated to \(length)"
        case 3 where frame != nil, 6 where frame != nil:
            summary = rewriteBatchField(&bytes, frame!, &random)
            if kind == 6 {
                bytes.resealBatch(at: Int(frame!.offset), storedLength: Int(frame!.length) - 48)
                resealed = true
            }
        case 4:
            summary = rewriteSegmentHeaderField(&bytes, &random)
        case 7 where frame != nil:
            let stored = Int(frame!.offset) + 48..<Int(frame!.offset + frame!.length)
            var count = 0
            for _ in 0..<Int.random(in: 1...3, using: &random) where !stored.isEmpty {
                bytes[Int.random(in: stored, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                count += 1
            }
            bytes.resealBatch(at: Int(frame!.offset), storedLength: Int(frame!.length) - 48)
            summary = "\(count) stored bytes of the batch at \(frame!.offset) changed, resealed"
            resealed = true
        default:
            let source = files[log.segments.randomElement(using: &random)!]!
            let length = Int.random(in: 1...min(300, bytes.count, source.count), using: &random)
            let from = Int.random(in: 0...(source.count - length), using: &random)
            let to = Int.random(in: 0...(bytes.count - length), using: &random)
            bytes.replaceSubrange(to..<(to + length), with: source[from..<(from + length)])
            summary = "spliced \(length) bytes from \(from) over \(to)"
        }
        files[segment] = bytes
        return FuzzInput(files: files, segment: segment, summary: "\(segment): \(summary)", resealed: resealed)
    }

    private static func flipBits(_ bytes: inout [UInt8], in focus: Range<Int>?, _ random: inout FuzzRandom) -> String {
        let count = Int.random(in: 1...3, using: &random)
        let range = focus ?? 0..<bytes.count
        let offsets = (0..<count).map { _ in Int.random(in: range, using: &random) }
        for offset in offsets { bytes[offset] ^= 1 << UInt8.random(in: 0..<8, using: &random) }
        return "bits flipped at \(offsets)"
    }

    private static func setBytes(_ bytes: inout [UInt8], in focus: Range<Int>?, _ random: inout FuzzRandom) -> String {
        let start = Int.random(in: focus ?? 0..<bytes.count, using: &random)
        let count = min(Int.random(in: 1...8, using: &random), bytes.count - start)
        let value: UInt8? = [0, 0xFF, nil].randomElement(using: &random)!
        for offset in start..<(start + count) { bytes[offset] = value ?? UInt8.random(in: 0...255, using: &random) }
        return "\(count) bytes set to \(value.map(String.init) ?? "random") at \(start)"
    }

    /// A value for a length or count field: huge, off by one, zero or anything.
    private static func hostile(_ original: UInt64, max: UInt64, _ random: inout FuzzRandom) -> UInt64 {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return max
        case 1: return max / 2 + 1
        case 2: return 0
        case 3: return original &+ 1
        case 4: return original &- 1
        default: return UInt64.random(in: 0...max, using: &random)
        }
    }

    private static func store(_ value: UInt64, width: Int, in bytes: inout [UInt8], at offset: Int) {
        guard offset + width <= bytes.count else { return }
        for index in 0..<width { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }

    private static func load(width: Int, from bytes: [UInt8], at offset: Int) -> UInt64 {
        guard offset + width <= bytes.count else { return 0 }
        return (0..<width).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    /// Record count, base position, timestamps, uncompressed or stored length of one batch.
    private static func rewriteBatchField(
        _ bytes: inout [UInt8], _ frame: FormatProbe.Frame, _ random: inout FuzzRandom
    ) -> String {
        let fields: [(name: String, at: Int, width: Int)] = [
            ("record count", 12, 4), ("base position", 16, 8), ("first timestamp", 24, 8), ("last timestamp", 32, 8),
            ("uncompressed length", 40, 4), ("stored length", 44, 4), ("codec", 10, 1),
        ]
        let field = fields.randomElement(using: &random)!
        let at = Int(frame.offset) + field.at
        let max = field.width == 8 ? UInt64.max : (1 << (8 * UInt64(field.width))) - 1
        let value = hostile(load(width: field.width, from: bytes, at: at), max: max, &random)
        store(value, width: field.width, in: &bytes, at: at)
        return "\(field.name) of the batch at \(frame.offset) set to \(value)"
    }

    /// Dictionary length or first position of the segment header.
    private static func rewriteSegmentHeaderField(_ bytes: inout [UInt8], _ random: inout FuzzRandom) -> String {
        if Bool.random(using: &random) {
            let value = hostile(load(width: 4, from: bytes, at: 12), max: UInt64(UInt32.max), &random)
            store(value, width: 4, in: &bytes, at: 12)
            return "segment dictionary length set to \(value)"
        }
        let value = hostile(load(width: 8, from: bytes, at: 16), max: UInt64.max, &random)
        store(value, width: 8, in: &bytes, at: 16)
        return "segment first position set to \(value)"
    }

    /// A field of an index file, with its checksum made valid again.
    private static func rewriteIndexField(_ bytes: inout [UInt8], _ random: inout FuzzRandom) -> String {
        // first position, covered length, last position, first and last time, batches, uncompressed,
        // entry count; then an entry's position or offset.
        var fields = [8, 16, 24, 32, 40, 48, 56].map { ($0, 8) } + [(64, 4)]
        if bytes.count > 72 + 4 + 24 { fields += [(68, 8), (76, 8)] }
        let (at, width) = fields.randomElement(using: &random)!
        let max = width == 8 ? UInt64.max : UInt64(UInt32.max)
        let value = hostile(load(width: width, from: bytes, at: at), max: max, &random)
        store(value, width: width, in: &bytes, at: at)
        if bytes.count >= 4 { bytes.store(TestCRC32C.checksum(bytes[0..<(bytes.count - 4)]), at: bytes.count - 4) }
        return "index field at \(at) set to \(value), resealed"
    }
}
