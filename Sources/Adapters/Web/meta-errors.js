// What an operator can do about a Meta (Graph API / webhook) error code. The API says what a code
// means (`meaning`, from the service's own table); this says what to do next.

const TRANSIENT = 'Transient at Meta: the service retries with backoff by itself. If it lasts, check Meta\'s status page.';

const ADVICE = new Map([
  [0, 'Renew the access token (WHATSAPP_ACCESS_TOKEN) and restart the service.'],
  [1, TRANSIENT],
  [2, TRANSIENT],
  [3, 'Give the app the WhatsApp Business messaging capability in the Meta app settings.'],
  [4, 'App rate limit: the service backs off and retries; spread template sends over more time.'],
  [10, 'Grant the app the missing permission (whatsapp_business_messaging) in the Meta app settings.'],
  [100, 'A request was malformed: check the content manifest (links, captions, text lengths).'],
  [190, 'Renew the access token (WHATSAPP_ACCESS_TOKEN) and restart the service.'],
  [368, 'The account is blocked for a policy violation: see Business Support in WhatsApp Manager.'],
  [80007, 'Account rate limit: retried with backoff; send templates in smaller batches.'],
  [130429, 'Throughput limit of the number: retried with backoff. If frequent, lower --messages-per-second or ask Meta for a higher tier.'],
  [130472, 'Meta held the message back for an experiment: nothing to fix; it is not resent.'],
  [131000, TRANSIENT],
  [131008, 'A required field is missing: check the content manifest.'],
  [131009, 'A value is not valid (often a media link or a caption): check the content manifest.'],
  [131016, TRANSIENT],
  [131026, 'The contact cannot receive messages (not on WhatsApp, old app, or blocked the business): verify the number; do not resend.'],
  [131030, 'Add the recipient to the test number\'s allowed list, or use a production number.'],
  [131031, 'The business account is locked: see WhatsApp Manager.'],
  [131042, 'Fix the payment method or eligibility of the business account in WhatsApp Manager.'],
  [131047, 'The 24-hour window closed: send an approved template to reopen it; the content goes out after the contact taps again.'],
  [131048, 'Spam rate limit: the number\'s quality is low. Slow down and check opt-in and content.'],
  [131049, 'Meta held it back for ecosystem engagement: do not resend at once; try again later or with a template.'],
  [131050, 'The contact stopped marketing messages: respect it; do not resend.'],
  [131051, 'The message type is not supported: use image or text items in the manifest.'],
  [131052, 'Meta could not download the media: make the link public over https and retry the delivery.'],
  [131053, 'The media could not be uploaded: check its type and size, and that the link answers.'],
  [131056, 'Too many messages to one contact at once (pair rate limit): the service waits and retries.'],
  [131057, 'The business account is in maintenance: retried by itself; wait.'],
  [133004, TRANSIENT],
  [133010, 'Register the phone number on the Cloud API (WhatsApp Manager), then retry.'],
]);

/** What to do about `code`. */
export function adviceFor(code) {
  if (ADVICE.has(code)) return ADVICE.get(code);
  if (code >= 132000 && code <= 132999) return 'Fix the template in WhatsApp Manager (approval, language, parameters), then send again.';
  if (code >= 200 && code <= 299) return 'Grant the app the missing API permission in the Meta app settings.';
  if (code >= 500 && code <= 599) return TRANSIENT;
  return 'Look the code up in Meta\'s error-code reference; the service retries only codes known to be transient.';
}
