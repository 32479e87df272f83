// CloudFront viewer-request function: a private S3 origin has no directory index, so
// "/about/" and "/about" are rewritten to "/about/index.html" (only "/" is covered by the
// distribution's default root object).
function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (uri.endsWith('/')) {
        request.uri = uri + 'index.html';
    } else if (uri.lastIndexOf('.') <= uri.lastIndexOf('/')) {
        request.uri = uri + '/index.html';
    }
    return request;
}
