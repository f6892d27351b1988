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
compose-custom-width = Custom width
compose-custom-height = Custom height
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
compose-count-value = Count value
compose-count-rule = Count is 1–{ $max }; a group series takes up to { $group }.
compose-count-rule-group = A group series has 1–{ $max } images.
compose-count-clamped = { $asked } became { $n }. { $rule }
compose-sent-what = Sent ✔ seed { $seed } · { $images } × { $tier } ≈ { $usd }
compose-sent-up-to = Sent ✔ seed { $seed } · up to { $images } × { $tier } ≈ { $usd }
field-not-a-number = not a number
field-out-of-range = { $lo }–{ $hi }: becomes { $clamped } on Enter
app-not-sent-typed = Not sent: { $field } holds “{ $text }”, which cannot be sent as it is ({ $problem }). Press Enter to use it, or type another value.
app-restored-whole = Settings restored from the whole request that made these images: n = { $n }, seed { $seed }. Sent again, it makes a similar set, not one image alone.

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
note-key-accepted = { $host } accepted the key.
note-key-refused = { $host } refused this key ({ $why }); it was not saved.
note-key-unchecked = The key could not be checked ({ $why }); it is used anyway.
note-key-session = { $why }; the key is held for this session only.
note-folder-not-opened = { $folder } could not be opened: { $why }
note-sheet-saved = Storyboard sheet saved as { $path }.
note-journal-rebuilt = Journal rebuilt from the library: { $jobs } jobs, { $results } results. The damaged one is kept as { $kept }.
journal-kept-nothing = nothing
note-colour-set = Colour { $n } is now { $hex }.
note-not-a-path = { $path } is not a file path this system understands.
note-default-settings = { $why }; using default settings.
notice-text = { $text }
err-settings-save = The settings could not be saved

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
queue-by-agent = {" "}· by { $agent } (an agent)
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
state-rate-limited = Rate limited
state-expired = Expired
server-sandbox = Sandbox mode

## Gallery
gallery-title = Gallery
gallery-found = { $n } of { $all } found
gallery-count = { $n ->
    [one] 1 result
   *[other] { $shown } results
}
gallery-spend = Spend…
gallery-spend-tip = What the library has cost, by day and month
gallery-keys-hint = Click a result to open it · Ctrl+click selects · S stars · 1–5 rate
gallery-export-selected = Export { $n } selected…
gallery-export-tip = Choose a folder; existing files are never replaced
gallery-quick-export = Quick export
gallery-quick-export-tip = Save the selection into { $folder } without asking
gallery-clear-selection = Clear selection
gallery-nothing-matches = Nothing matches
gallery-nothing-matches-hint = Try fewer words or clear the filters.
gallery-empty = No results yet
gallery-empty-hint = Write a prompt and press Generate: results land here the moment they are safely copied to your library.
gallery-search-hint = Search prompts…
gallery-search = Search prompts
gallery-search-tip = Words of the prompt or negative prompt, in any script; seed:201 finds the images made with that seed, batch:ID those of a batch.
gallery-any-tier = Any tier
gallery-any-mode = Any mode
gallery-mode = Mode
gallery-starred = ★ Starred
gallery-starred-tip = Only starred results
gallery-rating = Rating
gallery-any-rating = Any rating
gallery-rating-1 = 1★ or more
gallery-rating-2 = 2★ or more
gallery-rating-3 = 3★ or more
gallery-rating-4 = 4★ or more
gallery-palette = Palette
gallery-palette-any = Palette or not
gallery-palette-with = With palette
gallery-palette-without = Without palette
gallery-dates = Dates
gallery-dates-tip = Only results made between these days
gallery-from-tip = From this day
gallery-to-tip = To this day, included
gallery-order = Order
gallery-newest = Newest first
gallery-oldest = Oldest first
gallery-clear-filters = Clear filters
gallery-latest = Latest results
gallery-latest-hint = Results land here as they arrive.
gallery-result = Result { $n }
gallery-star-result = Star result { $n }
gallery-series-short = Series · { $k } of { $asked } · 
gallery-series = Series of { $k } · 
caption-seed = seed { $seed }
caption-palette = palette
caption-no-palette = no palette
gallery-tile-tip = { $prompt }
    { $w } × { $h } px
gallery-open = Open
gallery-open-storyboard = Open as storyboard
gallery-select = Select / deselect
gallery-unstar = Unstar
gallery-star = Star
gallery-rate = Rate
gallery-no-rating = No rating
gallery-use-as-reference = Use as reference
gallery-reuse-settings = Reuse settings
gallery-palette-from = Palette from this image
gallery-export = Export…
gallery-delete = Delete…
library-text-to-image = Text to image
library-editing = Editing
library-region-edit = Region edit
library-series = Group series

## Gallery (shared)

## Viewer
viewer-canvas = Viewer
viewer-reference-failed = The reference could not be loaded: { $why }
viewer-gallery = ⬅ Gallery
viewer-close-tip = Close the viewer (Escape)
viewer-previous = Previous result
viewer-newer-tip = Newer (←)
viewer-position = { $n } of { $total }
viewer-next = Next result
viewer-older-tip = Older (→)
viewer-fit-tip = Fit the image (double-click: full window)
viewer-leave-full = Leave full window
viewer-full = Full window
viewer-full-tip = F; Escape leaves
viewer-compare = Before / after
viewer-compare-tip = Compare with a reference it was made from: drag the divide on the image.
viewer-before-reference = Before: reference { $n }
viewer-reference = Reference { $n }
viewer-loading = Loading…
viewer-unreadable = ⚠ This image could not be shown
viewer-thumbnail-only = Showing its thumbnail: the full-size file could not be read.
viewer-before = before
viewer-after = after
viewer-none = (none)
viewer-model = Model
viewer-pixels = { $w } × { $h } px
viewer-seed-random = random
viewer-series = Series
viewer-image = Image
viewer-of = { $n } of { $total }
viewer-server = Server
viewer-task-id = Task id
viewer-created = Created
viewer-references = References
viewer-request = Request as sent
viewer-starred = ★ Starred
viewer-unstar-tip = Unstar (S)
viewer-star = ☆ Star
viewer-star-tip = Star (S)
viewer-rate-n = Rate { $n }
viewer-rate-tip = Rate { $n } of 5 (key { $n }; again clears)
viewer-made-from = Made from
viewer-used-in = Used in
viewer-link = { $title } { $n }
viewer-gone = gone
viewer-gone-tip = This result was deleted from the library
viewer-export-tip = Save as PNG, with the prompt and settings inside
viewer-quick-export-tip = Save into { $folder } without asking (never replaces a file)
viewer-export-series = Export series…
viewer-export-series-tip = All images of this series into a folder
viewer-export-all = Export all { $n } images…
viewer-export-all-tip = The { $n } images of this request into a folder
viewer-storyboard-tip = All panels large, in reading order
viewer-palette-tip = Its 5 main colours and their real shares become the palette
viewer-copy = Copy image
viewer-copy-tip = Copy to the clipboard
viewer-use-tip = Add this result to the references, to edit it further
viewer-reuse-tip = Restore the whole compose form, seed included
viewer-reuse-whole-tip = Restores the request that made all of its images together (n = { $n }, seed { $seed }): the same settings make a similar set again, not this one image alone.
viewer-delete-tip = Remove these results from the library and disk

## References
refs-title = References
refs-title-tip = Images to edit or fuse. The output takes the shape of the last one.
refs-show = Show
refs-show-tip = Show the references here (folded while a result is shown in a small window)
refs-add-files = Add files…
refs-add-files-tip = Images on this computer (several at once). You can also drop files on the window or paste an image with Ctrl+V.
refs-url = Reference URL
refs-add = Add
refs-add-tip = Add this link as a reference (public https:// images)
refs-samples = Samples:
refs-samples-tip = Images served by the sandbox, to try editing without files of your own.
refs-empty = No references: text-to-image. Add files (or drop them here, or paste an image), a link, a sample, or use a result as a reference.
refs-add-sample = Add sample { $name }
refs-add-sample-tip = Add the sample { $name } as a reference
refs-tile-tip = { $url }
    Click to draw region boxes on it.
refs-last = The output takes this reference's shape (it is the last one).
refs-a-reference = A reference
refs-note-tip = What Wan Studio does to this file before it is sent (the file itself is not changed)
refs-unusable = ⚠ cannot be used
refs-move-earlier = Move reference { $n } earlier
refs-move-earlier-tip = Move earlier
refs-move-later = Move reference { $n } later
refs-move-later-tip = Move later
refs-remove = Remove reference { $n }
refs-remove-tip = Remove this reference and its boxes (Ctrl+Z brings it back)
refs-palette = Palette from reference { $n }
refs-palette-tip = Palette from this image: its 5 main colours and their shares
refs-boxes-tip = Region boxes on this reference

## Palette
palette-title = Colour palette
palette-tip = Steer the colours: 3 to 10 swatches whose shares total 100%.
palette-add = + Add colour
palette-add-name = Add colour
palette-max = A palette holds at most { $max } colours.
palette-total = Total { $total }
palette-total-tip = Always exactly 100.00%: moving one share rescales the unlocked others.
palette-saved = Saved palettes
palette-none-saved = None yet: name this palette and save it.
palette-load-tip = Put this palette in the form
palette-delete = Delete palette { $name }
palette-delete-tip = Forget this palette
palette-saved-tip = Palettes you named and kept
palette-name-hint = Name this palette
palette-name = Palette name
palette-save = Save palette
palette-replaces-tip = Replaces the kept palette of that name
palette-keep-tip = Keep these colours and shares under this name
palette-name-first = Type a name first
palette-colour = Colour { $n }
palette-hex = Hex { $n }
palette-ratio = Ratio { $n }
palette-locked = Locked: unlock it to change its share.
palette-all-locked = Every other colour is locked: unlock one to make room.
palette-percent = Percent { $n }
palette-unlock-tip = Unlock this colour's share
palette-lock-tip = Lock this colour's share
palette-lock = Lock colour { $n }
palette-hex-problem = not a colour: write #RRGGBB
palette-remove = Remove colour { $n }
palette-remove-tip = Remove this colour
palette-min = A palette needs at least { $min } colours.

## Region editor
editor-boxes-full = At most { $max } boxes per image: delete one (select it, press Delete) to draw another.
editor-loading = Loading the reference…
editor-canvas = Region editor
editor-delete-box = Delete box
editor-fit = Fit to window
editor-back-tip = Back to the gallery (Escape)
editor-size =  · { $w } × { $h } px
editor-heading = Reference { $n } · { $label }{ $size }
editor-fit-tip = Fit the image to the editor
editor-help = Drag: draw a box (two at most) · inside: move · edge or corner: resize · Delete: remove · right-drag: pan · scroll: zoom
editor-no-boxes = No boxes: the whole image is edited. Drag on the image to box a region.
editor-box = Box { $n }
editor-select-tip = Select this box
editor-box-coord = Box { $n } { $coord }
editor-box-empty = the box would have no width or height
editor-delete-box-n = Delete box { $n }
editor-delete-box-tip = Delete this box

## Spend
spend-title = Spend
spend-about = An estimate: completed images × the tier's rate when sent. Failed and refused requests are free.
spend-sandbox = Sandbox mode: what these results would have cost on the API. Nothing was paid, and none of it counts toward the API's spend or budget.
spend-this-month = This month
spend-of-budget = of { $budget } budget
spend-in-all = In all
spend-in-all-value = { $usd } · { $images } images
spend-month = Month
spend-day = Day
spend-by-day = By day
spend-nothing = Nothing spent yet.
spend-images = Images
spend-spent = Spent

## Storyboard
storyboard-title = Storyboard
storyboard-short = { $k } of { $asked } panels (the model decides how many)
storyboard-count = { $k } panels
storyboard-sheet = Export sheet…
storyboard-sheet-tip = One PNG: the panels on a grid, numbered, under the prompt
storyboard-files = Export numbered files…
storyboard-files-tip = Each panel as its own PNG, numbered in order, into a folder
storyboard-none = No panel has arrived yet.
storyboard-panel = Panel { $n }
storyboard-open-tip = Open this panel

## Eyedropper
eyedropper-button = 💧 Eyedropper
eyedropper-name = Eyedropper
eyedropper-tip = Take a colour from this image into the palette: click the image (Escape stops).
eyedropper-into = into colour { $n }
eyedropper-pick-tip = Pick this colour from an image: click the picture in the region editor or the viewer.
eyedropper-pick = Pick colour { $n } from an image

## Eyedropper (armed)
eyedropper-armed = 💧 Click a colour in the region editor or the viewer for colour { $n } (Escape stops).

## Zoom
zoom-tip = 100 % shows one image pixel per screen pixel
zoom-fit = Fit
zoom-1-1 = Zoom 1:1
zoom-1-1-tip = One image pixel per screen pixel
zoom-out = Zoom out
zoom-in = Zoom in
zoom-in-tip = Zoom in (or scroll over the image)

## Dialogs
path-export-folder = Export to folder
path-folder-for = { $n ->
    [one] Folder for 1 image (created if missing; existing files are never replaced):
   *[other] Folder for { $n } images (created if missing; existing files are never replaced):
}
path-export-image = Export image
path-export-file = File to save the PNG as (an existing file is never replaced):
path-add-references = Add reference images
path-reference-file = Image file to add as a reference (JPEG, PNG, BMP, WEBP, GIF or TIFF):
path-default-export = Default export folder
path-quick-export = Folder for Quick export:
path-sheet = Export storyboard sheet
path-sheet-file = File to save the sheet as (an existing file is never replaced):
path-type-instead = { $why }: type the path instead.
path-no-dialog = No file dialog can open here (no desktop portal and no zenity)
path-dialog-failed = The file dialog did not open
path-path = Path
path-use = Use this path
about-what = A desktop studio for Alibaba's Wan 2.7 Image model on reAPI.
about-data = Data folder
about-open-data = Open data folder
about-logs = Log files
about-open-logs = Open log folder
about-log-safe = The log never contains your API key. Attach it to a bug report.
about-licences = Licences
about-licence-text = Wan Studio is free software under the MIT or Apache-2.0 licence, at your choice. It is built with egui, eframe, tokio, reqwest, rusqlite (SQLite, public domain), image and many other open-source crates under MIT, Apache-2.0, BSD, Zlib or similar licences.
about-close = Close
confirm-send-it-again = Send it again?
confirm-send-again-body = The same request was just sent. Send it again and pay again?
confirm-send-again = Send again
confirm-send-again-title = Send again?
confirm-delete-title = Delete these results?
confirm-delete-body = { $label }
    
    The images are removed from the library and from disk. This cannot be undone.
confirm-delete = Delete
confirm-restore = Restore its settings
confirm-made-here = Made with Wan Studio
confirm-made-here-body = { $name } was made with Wan Studio (“{ $prompt }”). Use it as a reference, or restore the settings it was made with (prompt, tier, size, seed, palette)?
confirm-earlier-not-sent = The earlier attempt never left this machine: nothing was charged for it.
confirm-earlier-refused = The earlier attempt was refused by the API: nothing was charged for it.
confirm-earlier-failed = The earlier task failed, and failed tasks are refunded.
confirm-earlier-unknown = The earlier request may have reached the server: if it did, you may be charged twice.

## API key
key-environment = Using { $hint } from REAPI_API_KEY (the environment wins over the keyring).
key-keyring = Key { $hint } stored in { $store }.
key-session = Key { $hint } held for this session only: no keyring here, so it is forgotten when Wan Studio closes. Set REAPI_API_KEY to keep one.
key-none = No key: Wan Studio runs in Sandbox mode.
key-store-os = the OS keyring

## Retry
retry-current-connection = the current connection
retry-what = "{ $prompt }" — { $mode } on { $tier }, { $credits } credits, sent to { $target }.

## Errors (the first part of "what went wrong: the detail")
notice-with-detail = { $what }: { $detail }
err-journal-rebuild = The journal could not be rebuilt
err-not-sent = Not sent
err-keyring = The keyring stopped
err-look = The files could not be looked at
err-dialog = The file dialog stopped
err-sheet = The sheet was not saved
err-palette = No palette was taken
err-not-removed = It could not be removed from the keyring
err-colour-palette = Colour palette
err-palette-save = The palette was not saved
err-palettes-save = The palettes could not be saved
err-search = The library could not be searched
err-draft = The compose form could not be saved
err-secret = The storage secret is used for this session but could not be kept
err-link = That link cannot be used
err-reference-hosting = Reference hosting

## Errors explained
explain-not-sent = Could not reach { $place }: { $why }. Nothing was sent and nothing was charged.
explain-unknown-outcome = The connection to { $place } broke after the request was sent ({ $why }), so it may have been charged. Wait for a result before sending it again.
explain-key-refused = { $place } refused the API key. Check it in Settings; nothing was charged.
explain-no-credits = Not enough credits on { $place }; nothing was charged.
explain-rate-limited = { $place } is rate limiting requests; nothing was charged. Try again in a minute.
explain-no-such-task = { $place } does not know this task (it may belong to another API key).
explain-expired = This task is more than 24 hours old and { $place } no longer knows it. It may have been charged; its results, if any, are no longer kept upstream.
explain-server-says = { $text }
place-sandbox = the sandbox
why-lookup = the address could not be looked up
why-refused = nothing answered at that address (connection refused)
why-timeout = it did not answer in time
why-certificate = its security certificate could not be checked
why-dropped = the connection was dropped
why-offline = this computer seems to be offline
why-failed = the connection failed

## Preflight notes
preflight-rotated = rotated as its camera recorded
preflight-flattened-white = transparency flattened onto white
preflight-flattened = transparency flattened onto { $colour }
preflight-downscaled = downscaled from { $w }×{ $h } to { $nw }×{ $nh } (the limit is { $max } pixels a side)
preflight-converted = converted from { $from } to { $to }
preflight-reencoded = re-encoded as { $format }
preflight-lighter = made lighter: { $from } → { $to } (the limit is 20 MB)

## Reference hosting errors
host-config = reference hosting is not set up right: { $why }
host-unreachable = the storage at { $at } could not be reached: { $why }
host-credentials = the storage refused the access key or secret ({ $code }); check both in Settings › Reference hosting
host-no-bucket = the bucket '{ $bucket }' does not exist at this endpoint
host-clock = this computer's clock is too far from the storage's ({ $why }); set the clock right and try again
host-not-readable = the upload worked, but the presigned link could not be read back without credentials ({ $why }); the API could not fetch it either
host-refused = the storage refused the upload: HTTP { $status } { $code }: { $message }

preset-title = Preset
preset-saved = Presets
preset-none-saved = None yet: name these settings and save them.
preset-saved-tip = Settings you named and kept: tier, size, count, seed, palette, negative prompt, switches (never the prompt or references)
preset-load = Load preset { $name }
preset-load-tip = Set the form to this preset; the prompt and references stay
preset-delete = Delete preset { $name }
preset-delete-tip = Forget this preset
preset-name-hint = Name these settings
preset-name = Preset name
preset-save = Save preset
preset-replaces-tip = Replaces the kept preset of that name
preset-keep-tip = Keep the form's settings under this name (also for `wan-studio generate --preset` and job files)
preset-name-first = Type a name first
app-preset-loaded = Preset “{ $name }” is in the form.
app-preset-deleted = Preset “{ $name }” deleted.
app-preset-replaced = Preset “{ $name }” replaced.
app-preset-saved = Preset “{ $name }” saved.
err-preset-save = The preset was not saved
err-presets-save = The presets could not be saved
preset-rename = Rename preset { $name }
preset-rename-tip = Give this preset another name
preset-new-name = New name for preset { $name }
preset-rename-keep = Keep the new name
preset-export = Export presets…
preset-export-tip = Write every kept preset to one JSON file, to keep or to give to someone
preset-import = Import presets…
preset-import-tip = Add the presets of a file another Wan Studio exported (those of the same names are replaced)
app-preset-renamed = Preset “{ $from }” is now “{ $to }”.
err-preset-rename = The preset was not renamed
app-presets-exported = { $n ->
    [one] Exported 1 preset to { $file }
   *[other] Exported { $n } presets to { $file }
}
err-presets-export = The presets were not exported
app-presets-imported = { $n ->
    [one] Imported 1 preset from { $file }
   *[other] Imported { $n } presets from { $file }
}
err-presets-import = The presets were not imported
path-presets-export = Export presets
path-presets-export-what = The file to write the presets to (JSON; an existing file is not replaced):
path-presets-import = Import presets
path-presets-import-what = A presets file another Wan Studio exported (JSON):

gallery-compare = Compare
gallery-compare-tip = Two to four selected results side by side, the parameters that differ marked
compare-title = Comparing { $n }
compare-side-by-side = Side by side
compare-slider = A/B slider
compare-slider-tip = The two over each other: drag the line to move the divide
compare-fit = Fit
compare-keys-hint = Drag pans and scroll zooms them all · arrow keys move · 1–4 keep · Esc back
compare-keep = Keep { $n }
compare-keep-tip = Star this one as the keeper
compare-candidate = Candidate { $n }
compare-differs = { $what } (differs)
compare-tier = Tier
compare-size = Size
compare-seed = Seed
compare-count = Count
compare-palette = Palette
compare-negative = Negative prompt
compare-thinking = Thinking
compare-watermark = Watermark
compare-references = References
compare-prompt = Prompt
compare-image = Candidate { $n }, image
viewer-batch = Batch
viewer-batch-job = { $id }, job { $n } (search batch:{ $id })
compose-batch = Batch…
compose-edit-no-prompt = An edit works best with a prompt: say what to change. It can be sent without one, but the model may ignore the references.
compose-batch-tip = Run this form over several seeds, sizes or palettes, or run a job file: priced before anything is sent
batch-title = Batch
batch-from-form = From the form
batch-from-file = From a job file
batch-form-about = The compose form as it is now, run once for each seed and each size and palette ticked. { "{" }a|b{ "}" } in the prompt runs every alternative.
batch-seeds = Seeds
batch-seeds-field = Number of seeds
batch-seeds-from = successive seeds from { $seed }
batch-sizes = Sizes (none ticked: the form's)
batch-size-choice = Batch size { $size }
batch-palettes = Palettes (none ticked: the form's)
batch-file-about = A JSON Lines or CSV file, one request per line with the API's field names. The whole file is checked before anything is sent.
batch-file = Job file
batch-choose = Choose…
batch-nothing = Choose what to run: the count and the price show here before anything is sent.
batch-reading = Expanding and pricing…
batch-total = { $jobs } jobs · { $images } images ≈ { $usd }
batch-total-up-to = { $jobs } jobs · up to { $images } images ≈ { $usd }
batch-more = … and { $n } more
batch-col-job = Job
batch-col-model = Model
batch-col-size = Size
batch-col-n = n
batch-col-seed = Seed
batch-col-prompt = Prompt
batch-concurrency = At once
batch-concurrency-field = Tasks at once
batch-concurrency-tip = tasks in flight at most (a rate limit lowers it for a while)
batch-start = Start batch
batch-cancel-dialog = Close
batch-cancelled = Cancelled
batch-done = Finished
batch-running = Sending
batch-paused = Paused
batch-elsewhere = Running elsewhere
batch-stopped = Stopped
batch-row-title = Batch { $id } · { $name }
batch-progress = { $done } of { $jobs } done
batch-counts = { $flying } in flight · { $waiting } waiting · { $spent } spent of ≈ { $estimate }
batch-pause = Pause
batch-pause-tip = Stop sending new jobs; those in flight finish and are kept
batch-resume = Resume
batch-resume-file-tip = Read the job file again and send the jobs never sent (nothing is sent twice)
batch-cancel = Cancel
batch-cancel-tip = Send nothing more of this batch; what is in flight finishes and is kept
batch-show = Show results
batch-show-tip = The gallery, showing this batch's results
batch-changed = { $source } has changed since batch { $old } started: it is a new batch ({ $new }). Open it in Batch… to run it.
batch-unreadable = The job file could not be read
batch-not-kept = The batch could not be kept in the data folder
batch-started = Batch { $id } started: { $jobs } jobs
path-job-file = Open a job file
path-job-file-what = Job file (JSON Lines or CSV):

## Content credentials
credentials-title = Content credentials
credentials-reading = Reading…
credentials-unreadable = Could not be read: { $why }
credentials-intact = Signed, and unchanged since
credentials-changed = Changed after it was signed: the credentials no longer match the file
credentials-xmp-only = Marked as AI-generated in XMP, with no signed manifest
credentials-none = None: this file says nothing of how it was made
credentials-ai = AI-generated
credentials-ai-yes = Yes (trained algorithmic media)
credentials-ai-unsaid = Not said
credentials-when = Made
credentials-signer = Signed by
credentials-trusted = on a trust list
credentials-untrusted = on no trust list: this computer's own identity
credentials-reference = Reference
settings-credentials = Content credentials
settings-credentials-prompt = Include prompt and parameters in credentials
settings-credentials-prompt-tip = Every image is always marked as AI-generated (XMP and a signed C2PA manifest). Off: the prompt and the request's parameters are left out of both, and out of exports.
settings-signing-chain = Signing certificate chain
settings-signing-key = Signing key
settings-signing-local = empty: this computer's own identity
settings-signing-tip = A PEM certificate chain from a CA (the signing certificate first) and its PEM private key (ES256). Empty: a certificate made on this computer, which readers show as on no trust list.
settings-signing-both = Name both the signing certificate chain and its key, or neither.
credentials-badge = Has content credentials
credentials-badge-ai = Credentials: AI-generated
compose-seed-zero = Seed 0 is sent as typed, but some gateways read 0 as "no seed" and pick one at random: use 1 or more to repeat a result.
