import Adapters
import Delivery

/// Delivery: the Graph API it sends through, the numbers it sends from, the content manifest, and
/// the saga's own settings (`SagaSettings`, with its defaults; the numbers and the memory window
/// are filled in by `ServiceAssembly`).
struct DeliveryConfiguration {
    var accessToken: String?
    var phoneNumberIds: [String] = []
    var graphBaseURL = "https://graph.facebook.com"
    var graphAPIVersion = GraphAPIClient.Configuration(baseURL: "", accessToken: "").version
    /// `nil` means `content.yaml` in the data directory.
    var manifestPath: String?
    var saga = SagaSettings(phoneNumberId: "")

    /// Delivery needs a token and a number to send from.
    var enabled: Bool { accessToken != nil && !phoneNumberIds.isEmpty }

    /// Template sends are paced even when the saga's limit is lifted (0): at the saga's default then.
    var templateMessagesPerSecond: Double {
        saga.messagesPerSecond > 0 ? saga.messagesPerSecond : SagaSettings(phoneNumberId: "").messagesPerSecond
    }

    /// The Graph API client's configuration with `token`.
    func graph(token: String) -> GraphAPIClient.Configuration {
        GraphAPIClient.Configuration(baseURL: graphBaseURL, version: graphAPIVersion, accessToken: token)
    }
}
