// scenario.js drives Podio's official JavaScript client, podio-js 1.6.1,
// unchanged, against a Podio API at apiURL (mockpodio in the tests). It is
// run by mockpodio/podiojs_test.go; install it with
// `npm ci --prefix compat/podio-js`.
//
// Usage: node scenario.js <apiURL> <calls>
//
// calls is a JSON array of {"method", "path", "data"} objects. The script
// authenticates as app 42 with authenticateWithApp, then makes each call in
// turn with podio.request(method, path, data), waiting for one before the
// next. A call with method "UPLOAD" uploads the local file path as the
// name data with podio.uploadFile instead; podio-js uploads only under
// the 'server' or 'password' auth types, so a second client of type
// 'server', authenticated as the same app on its first upload, makes it.
// It prints one JSON line per step to stdout:
//
//   {"step":"auth","ok":true,"body":{"ref":{...}}}
//   {"step":"GET /item/7","ok":true,"body":<what the promise resolved to>}
//   {"step":"GET /item/9","ok":false,"error":{"name":"PodioNotFoundError","status":404,"message":<body>}}
//
// A rejected call is a result, not a failure: the script goes on with the
// next call. It exits 1 only when it cannot authenticate or is misused.
// Only podio-js's public API is used.
'use strict';

var PodioJS = require('podio-js').api;

// The credentials are arbitrary: mockpodio accepts any client, and an app
// grant for an unknown app creates it.
var CLIENT_ID = 'devhook-compat';
var CLIENT_SECRET = 'devhook-compat-secret';
var APP_ID = 42;
var APP_TOKEN = 'podio-js-app-token';

function print(line) {
  process.stdout.write(JSON.stringify(line) + '\n');
}

function describeError(err) {
  if (!err) {
    return {name: 'Error', message: String(err)};
  }
  var out = {name: err.name, message: err.message};
  if (err.status !== undefined && err.status !== null) {
    out.status = err.status;
  }
  return out;
}

function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write('usage: node scenario.js <apiURL> <calls-json>\n');
    process.exitCode = 2;
    return;
  }
  var apiURL = argv[0];
  var calls;
  try {
    calls = JSON.parse(argv[1]);
  } catch (e) {
    process.stderr.write('scenario.js: calls: ' + e.message + '\n');
    process.exitCode = 2;
    return;
  }

  var podio = new PodioJS(
    {authType: 'app', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET},
    {apiURL: apiURL}
  );

  podio.authenticateWithApp(APP_ID, APP_TOKEN, function(err, responseData) {
    if (err) {
      print({step: 'auth', ok: false, error: describeError(err)});
      process.exitCode = 1;
      return;
    }
    print({step: 'auth', ok: true, body: {ref: responseData.ref}});

    var uploader = null;
    function upload(path, name) {
      if (!uploader) {
        var client = new PodioJS(
          {authType: 'server', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET},
          {apiURL: apiURL}
        );
        uploader = new Promise(function(resolve, reject) {
          client.authenticateWithApp(APP_ID, APP_TOKEN, function(err) {
            if (err) {
              reject(err);
            } else {
              resolve(client);
            }
          });
        });
      }
      return uploader.then(function(client) {
        return client.uploadFile(path, name);
      });
    }

    calls.reduce(function(done, c) {
      return done.then(function() {
        var step = c.method + ' ' + c.path;
        var call = c.method === 'UPLOAD' ? upload(c.path, c.data) : podio.request(c.method, c.path, c.data);
        return call.then(function(body) {
          print({step: step, ok: true, body: body});
        }, function(e) {
          print({step: step, ok: false, error: describeError(e)});
        });
      });
    }, Promise.resolve()).catch(function(e) {
      process.stderr.write('scenario.js: ' + (e && e.stack || e) + '\n');
      process.exitCode = 1;
    });
  });
}

main(process.argv.slice(2));
