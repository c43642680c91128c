/// What the demo prints about its dashboard: the page's address with a one-click sign-in link
/// (the token in the URL's fragment, which a browser keeps to itself and never sends), and a few
/// API calls to try with `curl`.
struct DemoDashboard {
    let port: Int
    /// The live feed's own port (the dashboard port serves it too, at `/api/webhook/ws`).
    let feedPort: Int
    /// The dashboard token (`nil`: the dashboard is open).
    let token: String?
    /// The token came from CLICKUNLOCK_DASHBOARD_TOKEN: the operator has it; it is not printed.
    let tokenFromEnvironment: Bool

    var base: String { "http://127.0.0.1:\(port)" }

    /// The page, signed in by one click when the token was made up for this run.
    var address: String {
        guard let token, !tokenFromEnvironment else { return base + "/" }
        return base + "/#token=" + token
    }

    func printUsage() {
        let how: String
        let auth: String
        switch (token, tokenFromEnvironment) {
        case (nil, _):
            how = "(open on loopback: no token)"
            auth = ""
        case (_, true):
            how = "(sign in with CLICKUNLOCK_DASHBOARD_TOKEN)"
            auth = " -H \"Authorization: Bearer $CLICKUNLOCK_DASHBOARD_TOKEN\""
        case (let token?, false):
            how = "(one click signs in: the token made up for this run is in the fragment, never sent)"
            auth = " -H \"Authorization: Bearer \(token)\""
        }
        printNow("  dashboard         \(address)   \(how)")
        printNow("    curl\(auth) \(base)/api/webhook/metrics")
        printNow("    curl\(auth) '\(base)/api/webhook/events/recent?limit=20&type=delivery.'")
        printNow("    curl\(auth) '\(base)/api/webhook/deliveries?format=csv'")
        printNow("    curl \(base)/readyz")
        printNow(
            "  live feed         ws://127.0.0.1:\(feedPort)/ and ws://127.0.0.1:\(port)/api/webhook/ws (same token); "
                + "the same as events:")
        printNow("    curl -N\(auth) \(base)/api/webhook/events/stream")
    }
}
