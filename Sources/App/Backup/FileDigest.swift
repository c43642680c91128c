import Crypto
import EventStore

/// A file's length and SHA-256, the manifest's checksum. (Not the CRC-32C the log uses: a CRC over
/// a file that ends with its own CRC, as every index does, is the same constant for every such file.)
struct FileDigest: Equatable {
    var bytes: Int64
    var sha256: String

    /// Reads `path` (its first `length` bytes when given).
    static func of(_ path: String, length: Int64? = nil) throws(EventLogError) -> FileDigest {
        var hasher = SHA256()
        let summary = try FileCopy.checksum(path: path, length: length) { hasher.update(bufferPointer: $0) }
        return FileDigest(bytes: summary.bytes, sha256: hex(hasher.finalize()))
    }

    /// Copies `source` to `destination` (synced), hashing the bytes as they are copied.
    static func copy(from source: String, to destination: String, length: Int64? = nil) throws(EventLogError)
        -> FileDigest
    {
        var hasher = SHA256()
        let summary = try FileCopy.copy(from: source, to: destination, length: length) {
            hasher.update(bufferPointer: $0)
        }
        return FileDigest(bytes: summary.bytes, sha256: hex(hasher.finalize()))
    }

    func entry(_ path: String) -> BackupManifest.File { .init(path: path, bytes: bytes, sha256: sha256) }

    func matches(_ file: BackupManifest.File) -> Bool { bytes == file.bytes && sha256 == file.sha256 }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }
}
