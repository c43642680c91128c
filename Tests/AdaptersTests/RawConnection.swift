import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP connection to 127.0.0.1 through plain POSIX sockets, for clients a normal HTTP client
/// will not play: headers sent byte by byte, a body trickled, nothing sent at all.
///
/// Nothing here blocks a thread of Swift's pool (two on this machine, shared with the server
/// under test): reads poll without waiting and sleep between polls; sends are small enough for
/// the loopback's socket buffer.
final class RawConnection: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private var fd: Int32
    private var received: [UInt8] = []
    private(set) var closedByPeer = false

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    deinit { close() }

    /// Closes the connection from this side (a test does before it stops the server, whose
    /// graceful shutdown waits for requests in progress).
    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    /// Sends a few bytes without waiting; `false` once the server has closed the connection (or
    /// when the socket's buffer is full: use `sendAll` for more than a few KiB).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        let sent = bytes.withUnsafeBytes {
            Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        return sent == bytes.count
    }

    /// Sends all of `bytes`, sleeping while the socket's buffer is full; `false` once the server
    /// has closed the connection.
    func sendAll(_ bytes: [UInt8]) async -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                try? await Task.sleep(for: .milliseconds(1))
            } else {
                return false
            }
        }
        return true
    }

    /// Sends `bytes` `chunk` at a time with `pause` between chunks, until all are sent, the server
    /// closes the connection, or `stopAfter` has passed; on the calling thread (see `onOwnThread`):
    /// sleeps block it.
    func trickleBlocking(_ bytes: [UInt8], chunk: Int, pause: Duration, stopAfter: Duration) {
        let end = ContinuousClock.now + stopAfter
        var offset = 0
        while offset < bytes.count, ContinuousClock.now < end {
            let next = min(offset + chunk, bytes.count)
            guard send(Array(bytes[offset..<next])), !pollClosed() else { return }
            offset = next
            usleep(UInt32(pause.components.seconds * 1_000_000 + pause.components.attoseconds / 1_000_000_000_000))
        }
    }

    /// `waitUntilClosed`, on the calling thread (see `onOwnThread`).
    func waitUntilClosedBlocking(timeout: Duration) -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if pollClosed() { return ContinuousClock.now - start }
            usleep(5000)
        }
        return nil
    }

    /// Half-closes the connection: the server reads the end of the request stream.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads what has arrived without waiting; `true` when the server has closed the connection.
    @discardableResult
    func pollClosed() -> Bool {
        guard !closedByPeer else { return true }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
                continue
            }
            if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { closedByPeer = true }
            return closedByPeer
        }
    }

    /// Waits until the server closes the connection; the time it took, or `nil` after `timeout`.
    func waitUntilClosed(timeout: Duration) async -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if pollClosed() { return ContinuousClock.now - start }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Waits for a whole response (head and `Content-Length` body); its status, or `nil` when the
    /// connection closed first or `timeout` passed.
    func readResponseStatus(timeout: Duration) async -> Int? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            let closed = pollClosed()
            if let status = Self.completeResponseStatus(received) { return status }
            if closed { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Everything received so far, as text.
    var receivedText: String { String(decoding: received, as: UTF8.self) }

    static func completeResponseStatus(_ bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headEnd.lowerBound]
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 ") else { return nil }
        let length =
            lines.dropFirst().compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
        guard text.utf8.count - text[..<headEnd.upperBound].utf8.count >= length else { return nil }
        return Int(statusLine.split(separator: " ")[1])
    }

    /// A `POST /webhook` request, head and body, with `Connection: close`.
    static func webhookRequest(
        body: [UInt8], signature: String?, requestId: String? = nil
    ) -> (head: [UInt8], body: [UInt8]) {
        var head = "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n"
        if let signature { head += "X-Hub-Signature-256: \(signature)\r\n" }
        if let requestId { head += "X-Request-Id: \(requestId)\r\n" }
        return (Array((head + "\r\n").utf8), body)
    }

    /// Posts a webhook over a connection of its own; the response's status, or `nil` when there
    /// was none within `timeout`.
    static func post(
        port: Int, body: [UInt8], signature: String?, requestId: String? = nil, timeout: Duration = .seconds(15)
    ) async throws -> Int? {
        let connection = try RawConnection(port: port)
        let request = webhookRequest(body: body, signature: signature, requestId: requestId)
        _ = await connection.sendAll(request.head + request.body)  // an early answer may close it first
        return await connection.readResponseStatus(timeout: timeout)
    }
}

/// Runs `work` on a thread of its own, not on Swift's pool: other tests running meanwhile may hold
/// the pool's two threads for seconds (child processes waited for), which would stretch a slow
/// client's pauses and make it look slower than it is.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}

/// Polls `condition` until it holds or `timeout` passes; whether it held.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let start = ContinuousClock.now
    while !condition() {
        guard ContinuousClock.now - start < timeout else { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return true
}
