/// CRC-32C of each record (length prefix included) of a batch's uncompressed records: what
/// compaction compares, event by event, between a segment and its rewrite.
enum RecordChecksums {
    /// Appends the checksum of each of the `count` records in `records` to `out`; `false` when
    /// the bytes do not hold exactly `count` records.
    static func append(_ records: [UInt8], count: Int, to out: inout [UInt32]) -> Bool {
        records.withUnsafeBytes { raw in
            var offset = 0
            for _ in 0..<count {
                guard raw.count - offset >= 4 else { return false }
                let length = Int(raw.loadLittleEndian(UInt32.self, at: offset))
                guard length <= raw.count - offset - 4 else { return false }
                out.append(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 4 + length)])))
                offset += 4 + length
            }
            return offset == raw.count
        }
    }
}
