#!/usr/bin/python3
# A minimal WebKitGTK browser for WebKitWebDriver that keeps the pages' console messages.
#
# WebKit prints a page's console messages (its CORS reasons among them) on the web process's
# stdout only when the setting enable-write-console-messages-to-stdout is on and the page's
# session is not ephemeral; MiniBrowser under WebDriver always uses an ephemeral session. This
# browser uses a persistent profile in a fresh temporary directory, removed when it exits, and
# line-buffers the web process's stdout (coreutils' libstdbuf) so that each message reaches the
# driver's stdout, and the suite, as it is printed.
#
# The driver starts it with --automation; it accepts automation and opens a view whenever the
# session asks for one, and exits when the last view closes.
#
# (/usr/bin/python3 on purpose: the system's PyGObject, whatever python3 comes first on PATH.)
import os
import shutil
import sys
import tempfile

# The web and network processes inherit the environment: each line of their stdout is written
# as soon as it ends.
for stdbuf in ('/usr/libexec/coreutils/libstdbuf.so', '/usr/lib/coreutils/libstdbuf.so'):
    if os.path.exists(stdbuf):
        os.environ['LD_PRELOAD'] = stdbuf
        os.environ['_STDBUF_O'] = 'L'
        break

import gi  # noqa: E402

gi.require_version('Gtk', '3.0')
gi.require_version('WebKit2', '4.1')
from gi.repository import Gtk, WebKit2  # noqa: E402

NAME = 'doorman-e2e-webkit'


def main():
    if '--automation' not in sys.argv[1:]:
        sys.exit(f'{NAME}: runs only under WebKitWebDriver (--automation)')
    profile = tempfile.mkdtemp(prefix=f'{NAME}-')
    try:
        run(profile)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def run(profile):
    data = WebKit2.WebsiteDataManager(base_data_directory=os.path.join(profile, 'data'),
                                      base_cache_directory=os.path.join(profile, 'cache'))
    context = WebKit2.WebContext(website_data_manager=data)
    context.set_automation_allowed(True)
    settings = WebKit2.Settings()
    settings.set_enable_write_console_messages_to_stdout(True)
    windows = set()

    def closed(window):
        windows.discard(window)
        if not windows:
            Gtk.main_quit()

    def create_view(_session):
        view = WebKit2.WebView(web_context=context, settings=settings, is_controlled_by_automation=True)
        window = Gtk.Window()
        window.set_default_size(1024, 768)
        window.add(view)
        view.connect('close', lambda _v: window.destroy())
        window.connect('destroy', closed)
        windows.add(window)
        window.show_all()
        return view

    def automation_started(_context, session):
        info = WebKit2.ApplicationInfo()
        info.set_name(NAME)
        info.set_version(WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version())
        session.set_application_info(info)
        session.connect('create-web-view', create_view)

    context.connect('automation-started', automation_started)
    Gtk.main()


if __name__ == '__main__':
    main()
