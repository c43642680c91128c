/// FNV-1a, 64 bits: a stable hash of a string (ids derived from wamids, seeded draws).
public func fnv1a64(_ text: String, seed: UInt64 = 0) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}
