# Horizon settings snippet installed by the horizon profile's overrides.
AVAILABLE_THEMES = [
    ('default', 'Default', 'themes/default'),
    ('example', 'Example Cloud', '/etc/openstack-dashboard/themes/example'),
]
DEFAULT_THEME = 'example'
