/// The length an LZ4 block decodes to, found by walking its sequences without writing any output:
/// lets a reader check a length read from disk before it allocates that much.
///
/// Block format: sequences of a token (high nibble literal length, low nibble match length − 4,
/// 15 meaning "more bytes follow, each added, until one is below 255"), the literals, then a
/// 2-byte match offset (not 0); the last sequence has literals only.
enum LZ4BlockLength {
    /// The decoded length of `block`, or `nil` when it is not a well-formed block or would decode
    /// to more than `limit` bytes.
    static func decoded(_ block: UnsafeRawBufferPointer, limit: Int) -> Int? {
        var index = 0
        var output = 0
        let count = block.count
        func extended(_ start: Int) -> Int? {
            var length = start
            guard start == 15 else { return length }
            while true {
                guard index < count else { return nil }
                let more = Int(block[index])
                index += 1
                length += more
                if length > limit { return nil }
                if more != 255 { return length }
            }
        }
        while index < count {
            let token = Int(block[index])
            index += 1
            guard let literals = extended(token >> 4), literals <= count - index else { return nil }
            index += literals
            output += literals
            guard output <= limit else { return nil }
            if index == count { return output }
            guard count - index >= 2 else { return nil }
            let offset = Int(block[index]) | Int(block[index + 1]) << 8
            index += 2
            guard offset != 0, let match = extended(token & 15) else { return nil }
            output += match + 4
            guard output <= limit else { return nil }
        }
        return count == 0 ? 0 : nil
    }
}
