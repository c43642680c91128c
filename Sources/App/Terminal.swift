import ArgumentParser
import EventStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to stdout, and messages to stderr.
final class Output {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        writeAll(to: 1, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

func printError(_ message: String) {
    writeAll(to: 2, Array("clickunlock: \(message)\n".utf8))
}

/// Writes all of `bytes` to a file descriptor (stdout 1, stderr 2).
func writeAll(to fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
            let wrote = write(fd, raw.baseAddress! + done, raw.count - done)
            if wrote < 0 && errno == EINTR { continue }
            if wrote <= 0 { return }
            done += wrote
        }
    }
}

/// Prints a log error's message to stderr and returns the exit code to end with.
func reportFailure(_ error: EventLogError) -> ExitCode {
    printError(error.message)
    switch error.code {
    case .corruption: return ExitCodes.corrupt
    case .notFound, .archived: return ExitCodes.noInput
    case .locked: return ExitCodes.busy
    default: return ExitCodes.ioError
    }
}

/// Prints a line to stdout at once (not through stdio's buffer, which holds lines back while stdout is
/// a pipe): for what a script reads as it comes, such as the demo's address.
func printNow(_ line: String = "") {
    writeAll(to: 1, Array((line + "\n").utf8))
}
