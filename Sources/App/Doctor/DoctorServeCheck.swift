import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// `serve`: a running service answers `GET /readyz` on its dashboard API port. When no process
/// holds the log's writer lock, no service runs here: the check is skipped (said so), since doctor
/// is as often run with the service stopped (before its first start, in maintenance).
enum DoctorServeCheck {
    static let name = "serve"
    static let title = "A running serve answers /readyz"

    static func check(_ context: DoctorContext, _ configuration: ServiceConfiguration) async -> DoctorResult {
        let api = configuration.dashboardAPI
        guard api.listens else {
            let running = context.writerRunning ? "a service holds the log, but " : ""
            return .skipped(
                name, title,
                running + "the dashboard API is off (no dashboard_token, not dashboard_open), so /readyz is not served")
        }
        let host = ["0.0.0.0", "::", ""].contains(api.host) ? "127.0.0.1" : api.host
        let address = host.contains(":") ? "[\(host)]" : host
        let url = "http://\(address):\(api.port)/readyz"
        if tcpListens(host: host, port: api.port) == false { return nothingAnswers(context, url) }
        let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
        // A service just started answers 503 (with Retry-After: 1) until its projections catch up.
        var answer: Result<Int, any Error> = .success(503)
        for wait in 0..<5 where (try? answer.get()) == 503 {
            if wait > 0 { try? await Task.sleep(for: .seconds(1)) }
            answer = await attempt { () async throws -> Int in
                Int(try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(5)).status.code)
            }
        }
        try? await http.shutdown()
        let status: Int
        switch answer {
        case .success(let code):
            status = code
        case .failure:
            return nothingAnswers(context, url)
        }
        switch status {
        case 200 where !context.writerRunning:
            return .warning(
                name, title, "\(url) answers ready, but no process holds the log in \(context.logDirectory)",
                ["that service uses another data directory: check data_dir here and in the service's settings"])
        case 200:
            return .ok(name, title, "\(url) answers ready")
        case 503:
            return .warning(
                name, title, "\(url) answers 503 for 5 s: not ready (the projections are catching up after a start?)",
                ["wait and rerun; if it stays, see the service's log (`journalctl -u clickunlock`)"])
        default:
            return .failed(
                name, title, "\(url) answers HTTP \(status): another program may hold this port",
                ["check api_port (--api-port) and what listens on it: `ss -ltnp 'sport = :\(api.port)'`"])
        }
    }

    private static func nothingAnswers(_ context: DoctorContext, _ url: String) -> DoctorResult {
        guard context.writerRunning else {
            return .skipped(name, title, "no service is running (nothing holds the log's lock, nothing at \(url))")
        }
        return .failed(
            name, title, "a process holds the log's writer lock, but nothing answers at \(url)",
            [
                "check that api_host/api_port (--api-host, --api-port) here match the running service's",
                "see the service's log (`journalctl -u clickunlock`); restart it if it hangs",
            ])
    }
}
