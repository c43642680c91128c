import Foundation

/// Reads the on-disk format independently of the library (see docs/log-format.md), so tests
/// can aim at exact batch boundaries.
enum FormatProbe {
    struct Frame {
        var offset: Int64
        var length: Int64
        var basePosition: UInt64
        var count: Int
    }

    static func frames(of path: String) throws -> [Frame] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ at: Int) -> UInt32 { bytes[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u64(_ at: Int) -> UInt64 { bytes[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        var offset = 32 + Int(u32(12)) + 4
        var frames: [Frame] = []
        while offset + 48 <= bytes.count {
            let length = 48 + Int(u32(offset + 44))
            guard offset + length <= bytes.count else { break }
            frames.append(
                Frame(
                    offset: Int64(offset), length: Int64(length), basePosition: u64(offset + 16),
                    count: Int(u32(offset + 12))))
            offset += length
        }
        return frames
    }
}
