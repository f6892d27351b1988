# Wan Studio, English. Every string the window shows; keys are kept in step with
# locales/zh-CN/wan-studio.ftl by a test. Tests find controls by the English names, so change
# a control's name only together with its tests.

test-count = { $n ->
    [one] { $n } image
   *[other] { $n } images
}

## Compose panel
compose-size = Size
compose-aspect = Aspect ratio
compose-aspect-tip = An aspect ratio at a resolution.
compose-square = Square
compose-square-tip = A square image at a resolution (the size is the gear itself).
compose-custom = Custom
compose-custom-tip = Exact pixels, bounded by their total: 768×768 to 2048×2048 pixels, up to 4096×4096 on Pro text-to-image; 1:8 to 8:1.
compose-width = Width
compose-height = Height
compose-resolution = Resolution
compose-tier = Tier
compose-tier-standard-tip = wan2.7-image: fast drafts, 1K and 2K in every mode.
compose-tier-pro-tip = wan2.7-image-pro: up to 4K for text-to-image; print and retina assets.
compose-prompt = Prompt
compose-prompt-hint = Describe the image… (Ctrl+Enter generates)
compose-prompt-count-tip = Characters in the prompt, and the API's limit.
compose-negative = Negative prompt
compose-negative-hint = What to keep out of the image
compose-negative-tip = Things the model should avoid, such as "text, blur, extra fingers".
compose-count = Count
compose-count-tip = How many images; billed per image. 1–4, or up to 12 in a group series.
compose-seed = Seed
compose-random = Random
compose-random-tip = A new seed for every generation. Turn off to fix one: the same seed and settings give a similar, stable result.
compose-seed-value = Seed value
compose-roll = Roll a new seed
compose-watermark = Watermark
compose-watermark-tip = Adds an "AI-generated" mark at the bottom right.
compose-thinking = Thinking mode
compose-thinking-tip = Extra reasoning for quality (text-to-image only); slower.
compose-not-applied = not applied
compose-group = Group series
compose-group-tip = A consistent, connected set of up to 12 in one call: storyboards, comic panels.
compose-mode-tip = Decided by the request: references make it an edit, boxes a region edit, group series a set.
compose-sandbox-free = (sandbox: free)
compose-generate = Generate
compose-generate-tip = Send the request (Ctrl+Enter)
compose-sent = Sent ✔ — it is in the queue
compose-aspect-n = Aspect ratio { $a }:{ $b }
compose-aspect-follows = Aspect ratio does not apply: the output takes the shape of reference { $n }.
compose-custom-hint = Any shape from 768×768 to { $side }×{ $side } pixels in total, between 1:8 and 8:1.
compose-output = Output ≈ { $w } × { $h } px
compose-output-follows = Output ≈ { $w } × { $h } px (shape of reference { $n })
compose-resolution-tip = { $gear } resolution
compose-estimate = · { $credits } credits ≈ { $usd }
compose-estimate-up-to = · up to { $credits } credits ≈ { $usd }
compose-estimate-tip = { $images } image(s) × { $rate } per image on { $tier }. Failed and rejected requests are not charged.
compose-estimate-up-to-tip = Up to { $images } image(s) × { $rate } per image on { $tier }. Failed and rejected requests are not charged. A series may come back shorter: only the images returned are billed.
compose-more = { $first } (+{ $more } more)

## Modes, tiers and the API rules
mode-text-to-image = text-to-image
mode-editing = { $n ->
    [one] editing with 1 reference
   *[other] editing with { $n } references
}
mode-region-edit = region edit
mode-group-series = group series
tier-standard = Standard
tier-pro = Pro
rule-prompt-long = The prompt is { $chars } characters long; the limit is { $max }. Shorten it by { $over }.
rule-prompt-empty = Write a prompt: without reference images there is nothing else to go on.
rule-negative-long = The negative prompt is { $chars } characters long; the limit is { $max }.
rule-url-data = is embedded image data (data:/base64); the API only takes public HTTPS links.
rule-url-http = uses http://; the API only fetches https:// links (plain http is allowed only for this machine).
rule-url-file = is a file on this computer; the API only fetches links, so it needs a reference host (Settings › Reference hosting).
rule-references-many = At most { $max } reference images; this request has { $count }.
rule-reference = Reference { $n } { $why }
rule-count-group = A group series has 1 to { $max } images; { $n } was asked for.
rule-count-needs-group = Count must be 1 to { $max }; { $n } needs group series mode (up to { $group }).
rule-count = Count must be 1 to { $max }; { $n } was asked for.
rule-4k-pro = 4K needs the Pro tier; Standard goes up to 2K.
rule-4k-text = 4K is for text-to-image only; with reference images the limit is 2K.
rule-4k-group = 4K is not available for a group series; the limit is 2K.
rule-size-unknown = '{ $size }' is not a size: use 1K, 2K or 4K, an aspect ratio (1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3) or pixels such as 1024x1024.
rule-resolution-unknown = '{ $resolution }' is not a resolution: use 1K, 2K or 4K.
rule-resolution-contradicts = Resolution { $resolution } contradicts size { $size }; pair a resolution with an aspect-ratio size instead.
rule-resolution-with-pixels = The size { $w }x{ $h } already fixes the pixels; a resolution only goes with an aspect-ratio size.
rule-pixels-few = { $w }x{ $h } is too small: { $total } pixels, and at least 768×768 ({ $min }) are needed.
rule-pixels-many = { $w }x{ $h } is too large: { $total } pixels, and at most { $side }×{ $side } ({ $max }) are allowed{ $why ->
    [standard]{" "}on Standard
    [references]{" "}with reference images
    [group]{" "}in a group series
   *[any] {""}
}.
rule-pixels-narrow = { $w }x{ $h } is too narrow: the aspect ratio must lie between 1:8 and 8:1.
rule-seed = Seed must be between 0 and 2147483647; it is { $seed }.
rule-boxes-group = Region boxes and group series do not go together: a region edit is a single request.
rule-boxes-no-references = Region boxes need reference images to be drawn on.
rule-box-list = The box list needs exactly one entry per reference image: { $references } references, { $entries } entries.
rule-boxes-many = Reference { $n } has { $boxes } boxes; at most { $max } per image.
rule-box-negative = Box { $box_n } on reference { $n } starts outside the image: coordinates cannot be negative.
rule-box-inverted = Box { $box_n } on reference { $n } is empty or inverted: { $coords } needs x1 < x2 and y1 < y2.
rule-box-past-edge = Box { $box_n } on reference { $n } reaches past the edge of the { $w }x{ $h } image.
rule-palette-group = A colour palette does not apply to a group series: turn one of them off.
rule-palette-size = A palette needs { $min } to { $max } colours; this one has { $count }.
rule-colour-hex = Colour { $n }: '{ $hex }' is not a #RRGGBB hex colour.
rule-colour-zero = Colour { $n }: a ratio of 0.00% leaves it out; remove the colour instead.
rule-colour-ratio = Colour { $n }: ratio '{ $ratio }' must be a percentage with two decimals, such as 23.51%.
rule-palette-total = The colour ratios add up to { $total }; they must total exactly 100.00%.
draft-thinking-group = Thinking mode does not apply to a group series.
draft-thinking-text = Thinking mode only applies to text-to-image: remove the references to use it.
draft-4k-note = 4K needs the Pro tier without references or group series: 2K is used.

## The window: top bar, notices, blockers
app-connecting-blocker = Wan Studio is still connecting.
app-no-host = A reference is a file on this computer, and the API only fetches links: set up Reference hosting in Settings (an S3-compatible bucket) to send it. Sandbox mode needs nothing.
app-preparing = Preparing and uploading the references…
app-budget-checking = Checking this month's spend against the budget…
app-over-budget = This would take this month past its budget: { $spent } spent of { $budget }, and this costs up to { $costs }. Raise the budget in Settings or wait for next month.
app-no-cjk-font = Chinese, Japanese and Korean text cannot be shown: no font for it is installed. It is sent and kept intact. Install { $package } and restart Wan Studio to read it.
app-references-full = At most { $max } references: remove one first.
app-bad-link = That link cannot be used: it { $why }
app-reference-not-added = At most { $max } references: { $file } was not added.
app-exported = { $n ->
    [one] Exported 1 image to { $folder }
   *[other] Exported { $n } images to { $folder }
}
app-palette-loaded = Palette “{ $name }” is in the form.
app-palette-deleted = Palette “{ $name }” deleted.
app-palette-replaced = Palette “{ $name }” replaced.
app-palette-saved = Palette “{ $name }” saved.
app-hide-compose = Hide the compose panel
app-show-compose = Show the compose panel
app-hide-queue = Hide the queue panel
app-show-queue = Show the queue panel
app-live = LIVE · { $server }
app-not-connected = Wan Studio could not connect: { $why }
stage-preparing = preparing…
stage-uploading = uploading { $progress }
stage-ready = ready
stage-ready-with = ready · { $summary }
app-sandbox-badge = SANDBOX
app-sandbox-tip = No API key is set: every request goes to the built-in simulator on this machine. Nothing is sent anywhere and nothing is charged. Add a key in Settings to use reAPI.
app-live-tip = Requests go to reAPI and are charged per generated image.
app-not-connected-badge = NOT CONNECTED
app-connecting = Connecting…
app-settings = ⚙ Settings
app-settings-tip = API key, address, prices, export folder, theme
app-light-theme = Switch to the light theme
app-dark-theme = Switch to the dark theme
app-about = About Wan Studio
app-about-tip = Version, data folder, log file, licences
app-dismiss = Dismiss this message
app-try-again = Try again
app-rebuild-journal = Rebuild the journal
app-rebuild-journal-tip = Keep the damaged journal aside and rebuild one from the images in your library
note-busy = The engine is busy; try again in a moment.
note-still-connecting = Wan Studio is still connecting; try again in a moment.
note-secret-first = Enter the secret access key first.
note-reference-removed = Reference removed (Ctrl+Z brings it back with its boxes).
note-added-reference = Added as a reference.
note-settings-restored = Settings restored, seed included.
note-copied = Copied to the clipboard.
note-still-loading = The image is still loading; try again in a moment.
note-checking-key = Checking the key…
note-no-keyring = No keyring here: the key is held for this session only.
note-key-forgotten = Key forgotten. Back to Sandbox mode.
note-settings-saved = Settings saved.
note-palette-taken = Palette taken from the image: its 5 main colours and their shares.
note-paste-not-kept = The pasted image could not be kept in the data folder.

## Settings
settings-title = Settings
settings-language = Language
settings-language-system = System ({ $language })
settings-language-tip = The language of the window; applied at once. Prompts may be written in any language.
settings-font-looking = Looking for a font for Chinese, Japanese and Korean text…
settings-font-found = Chinese, Japanese and Korean text: { $family }
settings-font-missing = No font for Chinese, Japanese and Korean text is installed: install { $package } to read such prompts.
settings-api-access = API access
settings-new-key = New key
settings-key-hint = paste your reAPI key
settings-save-key = Save key
settings-save-key-tip = Check it with the API (free), keep it in the OS keyring where there is one, and switch to reAPI
settings-forget-key = Forget key
settings-forget-key-tip = Remove the key (from the keyring too); back to Sandbox mode
settings-env-key = REAPI_API_KEY is set: it is used whatever is stored here.
settings-hosting = Reference hosting
settings-hosting-about = The API only fetches links, so files used as references are uploaded to an S3-compatible bucket you control (AWS S3, Cloudflare R2, Backblaze B2, MinIO…) and sent as links that expire. Sandbox mode needs none of this.
settings-endpoint = Storage endpoint
settings-region = Region
settings-region-hint = us-east-1 (R2: auto)
settings-bucket = Bucket
settings-bucket-hint = my-references
settings-prefix = Key prefix
settings-prefix-hint = wan-studio/ (optional)
settings-access-key = Access key ID
settings-secret = Secret access key
settings-secret-stored = stored (type to replace)
settings-secret-keyring = kept in the OS keyring
settings-expiry = Links last (minutes)
settings-path-style = Path-style addressing
settings-path-style-tip = endpoint/bucket/key instead of bucket.endpoint/key: MinIO and IP-address endpoints need it
settings-test = Test
settings-test-tip = Upload a tiny image, read it back through its presigned link without credentials, and say what is wrong if anything is
settings-testing = Testing…
settings-test-ok = ✔ Works: uploaded, and read back through a presigned link.
settings-host-name-first = Name an endpoint and a bucket first.
settings-test-failed = Test failed: { $why }
settings-base-url = API base URL
settings-base-url-tip = reAPI's address; REAPI_BASE_URL overrides it.
settings-standard-price = Standard, $ per image
settings-price-tip = From the model page; used for the price estimate.
settings-pro-price = Pro, $ per image
settings-budget = Monthly budget, $
settings-budget-hint = none
settings-budget-tip = Generate is blocked, with the reason, before a send would take this month's estimated spend past it. Empty: no budget.
settings-export-folder = Export folder
settings-choose = Choose…
settings-theme = Theme
settings-theme-system = System
settings-theme-light = Light
settings-theme-dark = Dark
settings-transparency = Transparency becomes
settings-transparency-tip = The API takes no transparency: transparent parts of a reference file are flattened onto this colour before it is sent
settings-white = White
settings-save = Save
settings-cancel = Cancel
settings-bad-url = API base URL: { $why }
settings-bad-standard = Standard price: '{ $value }' is not a dollar amount such as 0.030.
settings-bad-pro = Pro price: '{ $value }' is not a dollar amount such as 0.075.
settings-bad-budget = Monthly budget: '{ $value }' is not a dollar amount such as 20 or 12.50 (leave it empty for none).
settings-links-range = Reference hosting: links may last 1 minute to 7 days.

## Queue
queue-title = Queue
queue-running = { $n } running
queue-stage = { $name }: { $stage }
queue-older = { $n } older finished jobs are in the library: search the gallery.
queue-processing = Processing { $secs } s
queue-processing-remote = Processing ({ $status }) { $secs } s
queue-rate-limited = Waiting: rate limited
queue-downloading = Downloading { $done }/{ $all }
queue-downloading-progress = Downloading { $done }/{ $all } · { $progress }
queue-done = { $k ->
    [one] Done · 1 image
   *[other] Done · { $k } images
}
queue-done-short = Done · { $k } of { $asked } images
queue-waiting-for = Waiting for { $server }
queue-detail = { $mode } · { $tier }
queue-detail-sandbox = { $mode } · { $tier } · sandbox
queue-details = ⏵ Details
queue-details-open = ⏷ Details
queue-no-prompt = (no prompt)
queue-dismiss = Dismiss
queue-empty = Nothing here yet. Generate sends a request; it waits here until its images are safely in your library.
queue-recent = Recently finished
queue-preparing = Preparing references
queue-nothing-paid = Nothing is sent or paid until every file is a link.
queue-other-connection = Sent from the other connection (Sandbox or the API). It is kept and picks up where it left off when Wan Studio is connected there again.
queue-details-tip = The technical message, for a bug report
queue-dismiss-waiting-tip = Hide from the queue; it still finishes when its connection is back, and its results land in the gallery
queue-dismiss-tip = Hide from the queue; results stay in the gallery
queue-retry = Retry…
queue-retry-tip = Send the same request again as a new job (asks first).
queue-resume = Resume
queue-resume-tip = Poll the task again and copy its results home
queue-show = Show
queue-show-tip = Open the first result
queue-click-to-open = Click to open its first result
state-submitting = Submitting
state-processing = Processing
state-downloading = Downloading
state-done = Done
state-failed = Failed
state-refused = Refused
state-not-sent = Not sent
state-unknown = Unknown outcome
state-paused = Paused
state-download-failed = Download failed
server-sandbox = Sandbox mode
