#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether something accepts TCP connections at `host:port` (an IPv4 or IPv6 literal), with one
/// connect: `false` when refused, `nil` when `host` is not a literal address. (An HTTP client's
/// pool retries a refused connection until its deadline; this tells "nothing listens" at once.)
func tcpListens(host: String, port: Int) -> Bool? {
    var v4 = sockaddr_in()
    var v6 = sockaddr_in6()
    if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        return withUnsafePointer(to: &v4) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connects(AF_INET, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
    if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        return withUnsafePointer(to: &v6) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connects(AF_INET6, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    }
    return nil
}

private func connects(_ family: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Bool {
    #if canImport(Glibc)
    let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(family, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return connect(fd, address, length) == 0
}
