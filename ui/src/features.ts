// Server features the UI shows only when the server has them. A seeds-style CRM backend
// (the Django API) has no call-backs (`/api/callbacks/`), no after-call outcomes
// (`/api/call-outcomes/`), no notes (`/api/notes/`), no camp-ons (`/api/camp-ons/`) and no
// webhooks (`/api/webhooks/`): against it those features are hidden, not broken.
import { errorText } from './format';

/** A feature that needs routes an older or seeds-style backend does not have. */
export type Feature = 'callbacks' | 'call_outcomes' | 'notes' | 'camp_ons' | 'webhooks';

/**
 * Whether a rejected command failed because the server has no such route: the shell
 * passes on the server's sentence, which is Switchboard's "There is no API route GET
 * /api/callbacks/…", Django REST framework's "Not found.", or, for a 404 page that is not
 * JSON, "The server refused the request (404 Not Found)." Ask this only of a request
 * to a collection route (a list, a create): for one item, a 404 means the item is gone.
 */
export function isMissingRoute(e: unknown): boolean {
  const text = errorText(e);
  return /^There is no API route\b/i.test(text) || /^Not found\.?$/i.test(text) || /\(404\b[^)]*\)/.test(text);
}
