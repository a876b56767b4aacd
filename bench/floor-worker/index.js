// The cheapest Worker there is, the floor of one `wrangler dev` pass (bench/floor.ts): it answers,
// or with `?to=<url>` hands back that URL's answer untouched (a body streamed through one pass).
// Bench only, on loopback.
export default {
  fetch(request) {
    const to = new URL(request.url).searchParams.get('to');
    return to ? fetch(to) : new Response('hello');
  },
};
