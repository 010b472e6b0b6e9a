# Varnish as a cache in front of an origin: the edge benchmark's peer of doorman gateway's
# cache (a route with cache: { policy: CachingOptimized }).
#
# Varnish's built-in logic does the rest, as a cache in front of an API usually runs it: GET
# and HEAD are cached, keyed by URL and Host, for the origin's Cache-Control max-age
# (s-maxage first), and a burst of misses for one object waits for one origin request.
# Unlike CloudFront, Varnish keeps one variant per value of the headers the origin's Vary
# names. The query string is dropped here, as CachingOptimized leaves it out of the key; an
# answer without a lifetime is kept for a day, CachingOptimized's default TTL. A hit is told
# by X-Varnish, which then holds two transaction ids (this request's and the one that stored
# the object), and by Age.
#
# A template: {{.Upstream}} is the origin's host:port. Run with
# `varnishd -F -j none -a 127.0.0.1:PORT -f DIR/varnish-edge.vcl -n DIR -s malloc,256m`
# (-j none: no privilege separation, so that nothing needs root and the run's directory
# stays its own).
vcl 4.1;

backend origin {
    .host = "{{.Upstream}}";
}

sub vcl_recv {
    set req.url = regsub(req.url, "\?.*$", "");
}

sub vcl_backend_response {
    if (beresp.status == 200 && !beresp.http.Cache-Control && !beresp.http.Expires) {
        set beresp.ttl = 1d;
    }
}
