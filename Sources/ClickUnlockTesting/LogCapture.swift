public import Logging
import Synchronization

/// A swift-log handler that keeps every line (level, message and metadata, rendered as the
/// service's stderr would show them) for a test to read.
public final class LogCapture: Sendable {
    public init() {}

    private let storage = Mutex<[String]>([])

    public var lines: [String] { storage.withLock { $0 } }

    public func logger(label: String = "capture") -> Logger {
        Logger(label: label) { _ in Handler(capture: self) }
    }

    fileprivate func append(_ line: String) {
        storage.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(event.message)" + (rendered.isEmpty ? "" : " " + rendered))
        }
    }
}
