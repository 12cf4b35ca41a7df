/** `npm run bench -- app`: DNS against dns-packet, TLS ClientHello decode, HTTP request parse. */
import { tasks as dns } from '../app/dns.js';
import { tasks as http } from '../app/http.js';
import { tasks as tls } from '../app/tls.js';
import type { Suite } from '../harness.js';

const suite: Suite = { name: 'app', tasks: [...dns, ...tls, ...http] };

export default suite;
