import Foundation

/// `MANIFEST.json` of one backup: what it holds and the checksum of every file. It is renamed into
/// place only after the copy verified, so a backup directory without one did not finish.
struct BackupManifest: Codable, Equatable {
    static let fileName = "MANIFEST.json"
    static let currentFormat = 1

    struct File: Codable, Equatable {
        /// Relative to the backup directory (`log/00000000000000000001.seg`, `projections.sqlite`).
        var path: String
        var bytes: Int64
        /// SHA-256, 64 lowercase hex digits.
        var sha256: String
    }

    struct Segment: Codable, Equatable {
        var name: String
        var firstPosition: UInt64
        var lastPosition: UInt64
        var sealed: Bool
        /// Whether this run copied it (false: an identical copy, same name and checksum, was linked
        /// from the previous backup).
        var copied: Bool
    }

    struct Projections: Codable, Equatable {
        var file: String
        /// Each projection's checkpoint in the copy: the projector continues from it after a restore.
        var checkpoints: [String: UInt64]
    }

    var format: Int
    var complete: Bool
    var createdAt: String
    var dataDirectory: String
    var firstPosition: UInt64
    var lastPosition: UInt64
    var segments: [Segment]
    var projections: Projections?
    var files: [File]
    var durationSeconds: Double

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The manifest of the backup in `directory`, or `nil` when there is none or it cannot be read
    /// (an unfinished backup).
    static func load(directory: String) -> BackupManifest? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + fileName),
            let manifest = try? JSONDecoder().decode(BackupManifest.self, from: data),
            manifest.format == currentFormat, manifest.complete
        else { return nil }
        return manifest
    }
}
