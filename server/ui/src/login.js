// The login form: POST /api/auth/login, then the Studio. No framework.
(function () {
  var form = document.getElementById('login');
  var err = document.getElementById('login-error');
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    err.textContent = '';
    var body = {
      user: document.getElementById('user').value,
      password: document.getElementById('password').value,
      token: document.getElementById('token').value
    };
    fetch(location.origin + '/api/auth/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'eventum-studio' },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.ok) { location.href = location.origin + '/'; return; }
      return r.json().then(function (e) { err.textContent = e.error || ('HTTP ' + r.status); });
    }).catch(function (e) { err.textContent = String(e); });
  });
})();
