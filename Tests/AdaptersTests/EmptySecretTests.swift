import Adapters
import EventStore
import Foundation
import HummingbirdTesting
import Testing

/// Defence in depth under the start-up check: an empty or blank secret opens nothing, even if it
/// reached the adapters.
@Suite struct EmptySecretTests {
    @Test func aBlankAppSecretAuthenticatesNoWebhook() {
        let body = Array("{\"object\":\"whatsapp_business_account\",\"entry\":[]}".utf8)
        for secret in ["", " ", "\n\t"] {
            let signer = WebhookSignature(appSecret: secret)
            #expect(
                signer.check(header: signer.header(for: body), body: body) == .mismatch, "\(secret.debugDescription)")
        }
        let real = WebhookSignature(appSecret: "a-real-app-secret")
        #expect(real.check(header: real.header(for: body), body: body) == .valid)
    }

    @Test func anEmptyVerifyTokenAnswersNoHandshake() async throws {
        let directory = TempLog()
        let log = try EventLog.open(directory: directory.log)
        for token in ["", "   "] {
            try await makeApp(log: log, verifyToken: token).test(.live) { client in
                for presented in ["", "%20%20%20", "x"] {
                    let response = try await client.execute(
                        uri: "/webhook?hub.mode=subscribe&hub.verify_token=\(presented)&hub.challenge=1", method: .get)
                    #expect(
                        response.status == .forbidden, "configured \(token.debugDescription), presented \(presented)")
                }
            }
        }
        await log.close()
    }

    @Test func theGraphBaseURLIsHTTPSOrLoopback() {
        for good in [
            "https://graph.facebook.com", "https://graph.facebook.com/", "http://127.0.0.1:8080", "http://localhost:1",
            "http://[::1]:9", "http://127.3.2.1",
        ] {
            #expect(GraphBaseURL.problem(good) == nil, "\(good)")
        }
        let bad = [
            "http://graph.facebook.com", "http://10.0.0.1", "http://127.0.0.1.example.com", "ftp://127.0.0.1",
            "graph.facebook.com",
            "", "https://", "https://user:pw@graph.facebook.com", "https://graph.facebook.com/?x=1",
            "http://1270.0.0.1",
        ]
        for text in bad {
            #expect(GraphBaseURL.problem(text) != nil, "\(text)")
        }
    }
}
