/// Segment files are named by their first position: `00000000000000000001.seg`, with a
/// `.idx` index beside each.
enum SegmentName {
    static let segmentSuffix = ".seg"
    static let indexSuffix = ".idx"

    static func segment(_ firstPosition: UInt64) -> String { padded(firstPosition) + segmentSuffix }
    static func index(_ firstPosition: UInt64) -> String { padded(firstPosition) + indexSuffix }

    /// The first position named by a segment file name, or `nil` for other files.
    static func firstPosition(ofSegment name: String) -> UInt64? {
        guard name.hasSuffix(segmentSuffix) else { return nil }
        let digits = name.dropLast(segmentSuffix.count)
        guard digits.count == 20, digits.allSatisfy(\.isASCII), let value = UInt64(digits), value > 0 else {
            return nil
        }
        return value
    }

    private static func padded(_ value: UInt64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
}
