import EventStore
import Foundation
import Testing

/// A temporary directory removed when the test ends.
final class TempDirectory {
    let path: String

    init(_ name: String = "log") {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clickunlock-tests-\(UUID().uuidString)").path + "/" + name
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }

    func file(_ name: String) -> String { path + "/" + name }

    var segmentFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
    }

    var indexFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".idx") }.sorted()
    }

    func size(of name: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: file(name)))?[.size] as? NSNumber)?.int64Value ?? -1
    }
}

/// A recognisable event: its data names `tag`, its attachment is `size` bytes derived from it.
func sampleEvent(_ tag: Int, type: String = "test.event", size: Int = 40) -> NewEvent {
    NewEvent(
        type: type, version: UInt16(1 + tag % 3), stream: "stream-\(tag % 7)",
        data: Array("{\"tag\":\(tag),\"text\":\"événement n°\(tag) ✓\"}".utf8),
        attachment: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ tag) })
}

func tag(of event: RecordedEvent) -> Int? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(event.data)) as? [String: Any] else { return nil }
    return object["tag"] as? Int
}

/// Every committed event, read through a fresh reader.
func readAll(_ directory: String, from position: UInt64 = 1) throws -> [RecordedEvent] {
    let reader = try LogReader.open(directory: directory)
    var iterator = reader.events(from: position).makeAsyncIterator()
    var events: [RecordedEvent] = []
    while let event = try iterator.nextEvent() { events.append(event) }
    return events
}

func readAll(_ log: EventLog, from position: UInt64 = 1) async throws -> [RecordedEvent] {
    var events: [RecordedEvent] = []
    for try await event in log.events(from: position) { events.append(event) }
    return events
}

extension EventLogConfiguration {
    static func testing(segmentSize: Int64 = 64 << 20, durability: Durability = .always) -> EventLogConfiguration {
        .init {
            $0.segmentSize = segmentSize
            $0.durability = durability
        }
    }
}

/// Flips one bit of a file at `offset`.
func flipBit(in path: String, at offset: Int64) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    let byte = try handle.read(upToCount: 1)![0]
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: [byte ^ 0x10])
}

func truncateFile(_ path: String, to length: Int64) {
    #expect(truncate(path, off_t(length)) == 0)
}
