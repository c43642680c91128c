import ArgumentParser
import EventStore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `clickunlock log crash-writer`: appends batches forever and reports each acknowledged one,
/// for crash tests (a test kills it with SIGKILL and checks the log afterwards). Hidden.
struct LogCrashWriterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-writer",
        abstract: "Append batches until killed, printing `ack FIRST LAST WRITER SEQ` per durable append (testing aid).",
        shouldDisplay: false)

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Events per append.") var batch = 5
    @Option(help: "Concurrent appenders.") var concurrency = 8
    @Option(help: "Segment size in bytes (small values exercise rolling).") var segmentSize: Int64 = 64 << 20

    func run() async throws {
        let log: EventLog
        do {
            log = try EventLog.open(directory: data.logDirectory, configuration: .init { $0.segmentSize = segmentSize })
        } catch {
            throw reportFailure(error)
        }
        emit("ready \(log.lastPosition) \(log.recovery.truncatedBytes)\n")
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<concurrency {
                group.addTask {
                    var sequence = 0
                    while true {
                        sequence += 1
                        let events = (0..<batch).map { item in
                            NewEvent(
                                type: "test.crash", stream: "w\(writer)-\(sequence)",
                                data: Array(
                                    "{\"writer\":\(writer),\"seq\":\(sequence),\"item\":\(item),\"of\":\(batch)}".utf8),
                                attachment: Array(
                                    repeating: UInt8(truncatingIfNeeded: sequence &+ item), count: 64 + item * 97))
                        }
                        do {
                            let range = try await log.append(events)
                            emit("ack \(range.lowerBound) \(range.upperBound - 1) \(writer) \(sequence)\n")
                        } catch {
                            emit("error \(error)\n")
                            return
                        }
                    }
                }
            }
        }
    }

    /// One `write(2)` per line, so lines from concurrent appenders never interleave.
    private func emit(_ line: String) {
        writeAll(to: 1, Array(line.utf8))
    }
}
