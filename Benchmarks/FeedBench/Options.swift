import Foundation

/// The command line: `--name value` pairs.
struct Options {
    var corpus = ""
    var host = "127.0.0.1"
    var webhookPort = 0
    var feedPort = 0
    var feedPath = "/"
    var serverPID: Int32 = 0
    var clients = 0
    var rate = 1000.0
    var seconds = 20.0
    var warmup = 5.0
    var settle = 2.0
    var drain = 15.0
    var threads = 2
    var senders = 128
    /// The dashboard token, from the environment (never on a command line).
    var token = ProcessInfo.processInfo.environment["FEEDBENCH_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }

    static let usage = """
        usage: FeedBench --corpus FILE --webhook-port P --feed-port P --server-pid PID [--clients N]
          [--rate WEBHOOKS_PER_S] [--seconds S] [--warmup S] [--settle S] [--drain S] [--threads T]
          [--senders C] [--host 127.0.0.1] [--feed-path /]   (token: FEEDBENCH_TOKEN)
        """

    init(_ arguments: ArraySlice<String>) throws {
        var rest = arguments
        while let name = rest.popFirst() {
            guard let value = rest.popFirst() else { throw ToolError("\(name) needs a value\n\(Self.usage)") }
            func number<T: LosslessStringConvertible>(_: T.Type) throws -> T {
                guard let parsed = T(value) else { throw ToolError("\(name): not a number: \(value)") }
                return parsed
            }
            switch name {
            case "--corpus": corpus = value
            case "--host": host = value
            case "--webhook-port": webhookPort = try number(Int.self)
            case "--feed-port": feedPort = try number(Int.self)
            case "--feed-path": feedPath = value
            case "--server-pid": serverPID = try number(Int32.self)
            case "--clients": clients = try number(Int.self)
            case "--rate": rate = try number(Double.self)
            case "--seconds": seconds = try number(Double.self)
            case "--warmup": warmup = try number(Double.self)
            case "--settle": settle = try number(Double.self)
            case "--drain": drain = try number(Double.self)
            case "--threads": threads = try number(Int.self)
            case "--senders": senders = try number(Int.self)
            default: throw ToolError("unknown option \(name)\n\(Self.usage)")
            }
        }
        guard !corpus.isEmpty, webhookPort > 0, serverPID > 0, clients == 0 || feedPort > 0 else {
            throw ToolError(Self.usage)
        }
    }
}
