/// Click-to-completed latencies kept as an exact histogram in three levels, so that a day's
/// percentiles are found by reading a few hundred rows instead of sorting every sample: level 0
/// counts samples by octave (bit length of the ms value), level 1 by 64th of an octave
/// (`octave * 64 + top six bits`), level 2 by exact value. Each level narrows the next one's range.
enum LatencyHistogram {
    /// The rows a sample of `milliseconds` adds 1 to: (level, value). Negative values (a clock
    /// that went back) count as 0.
    static func levels(_ milliseconds: Int64) -> [(Int64, Int64)] {
        let value = max(0, milliseconds)
        let octave = Int64(64 - value.leadingZeroBitCount)
        return [(0, octave), (1, octave * 64 + top(value, octave)), (2, value)]
    }

    /// The top bits of `value` within its octave: the value itself up to 63, else its 6 leading bits.
    private static func top(_ value: Int64, _ octave: Int64) -> Int64 {
        octave <= 6 ? value : value >> (octave - 6)
    }

    /// The ms values a level-1 bucket covers.
    static func range(ofBucket bucket: Int64) -> ClosedRange<Int64> {
        let (octave, top) = bucket.quotientAndRemainder(dividingBy: 64)
        guard octave > 6 else { return top...top }
        let shift = octave - 6
        return (top << shift)...(((top + 1) << shift) - 1)
    }

    /// The level-1 buckets of an octave.
    static func buckets(ofOctave octave: Int64) -> ClosedRange<Int64> { (octave * 64)...(octave * 64 + 63) }

    /// The nearest-rank position (1-based) of percentile `p` among `count` samples.
    static func rank(_ p: Int, of count: Int64) -> Int64 { max(1, (Int64(p) * count + 99) / 100) }
}
