import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Asks a dashboard port `GET /readyz` over a plain loopback socket (HTTP/1.0, no client library:
/// the harness polls it every few milliseconds while `serve` starts). `true` only for a 200.
enum Readiness {
    static func isReady(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard write(socket, request, request.count) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        var received = 0
        while received < 12 {
            let count = buffer.withUnsafeMutableBytes { read(socket, $0.baseAddress! + received, 64 - received) }
            guard count > 0 else { break }
            received += count
        }
        let status = String(decoding: buffer.prefix(received), as: UTF8.self)
        return status.hasPrefix("HTTP/1.1 200") || status.hasPrefix("HTTP/1.0 200")
    }
}
